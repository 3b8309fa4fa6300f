#include "engine/alerts/routing.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "engine/alerts/kinds.hpp"
#include "engine/alerts/quiet_hours.hpp"
#include "engine/util/strings.hpp"

namespace costbot::alerts {
namespace json = boost::json;

std::string Target::text() const { return channel_kind + " " + address; }

std::string_view to_string(RouteMode m) {
  switch (m) {
    case RouteMode::real_time: return "real_time";
    case RouteMode::held: return "held";
    case RouteMode::digest: return "digest";
    case RouteMode::none: break;
  }
  return "none";
}

bool severity_at_least(const std::string& a, const std::string& b) {
  auto sa = detect::parse_severity(a).value_or(detect::Severity::low);
  auto sb = detect::parse_severity(b).value_or(detect::Severity::low);
  return static_cast<int>(sa) >= static_cast<int>(sb);
}

std::string effective_severity(const detect::Finding& f, const std::optional<detect::Incident>& incident) {
  if (incident && severity_at_least(incident->severity, f.severity)) return incident->severity;
  return f.severity;
}

void persona_targets(storage::Database& db, const config::Config& config, const config::PersonaConfig& p,
                     const std::string& team, const std::string& severity, std::vector<Target>& targets,
                     std::vector<SkippedTarget>& skipped) {
  auto add = [&](Target t) {
    if (std::find(targets.begin(), targets.end(), t) == targets.end()) targets.push_back(std::move(t));
  };
  const bool slack_ready = !config.slack.bot_token.empty();
  const auto* team_config = team.empty() ? nullptr : config.find_team(team);
  if (p.deliver.web) add({"web", "persona:" + p.name, "deliver.web"});
  for (const auto& s : p.deliver.slack) {
    Target t{"slack", s, "deliver.slack"};
    if (s == "team") {
      t.via = "deliver.slack: team" + (team.empty() ? std::string() : " (" + team + ")");
      t.address = team_config ? team_config->slack_channel : "";
      if (t.address.empty()) {
        t.address = "team";
        skipped.push_back({t, team.empty() ? "no team to take the channel from" : "team " + team + " has no slack_channel"});
        continue;
      }
    }
    if (!slack_ready) skipped.push_back({t, "Slack is not configured (slack.bot_token / SLACK_BOT_TOKEN)"});
    else add(std::move(t));
  }
  for (const auto& c : p.deliver.teams) {
    Target t{"teams", c, "deliver.teams"};
    if (c == "team") {
      t.via = "deliver.teams: team" + (team.empty() ? std::string() : " (" + team + ")");
      t.address = team_config ? team_config->teams_conversation : "";
      if (t.address.empty()) {
        t.address = "team";
        skipped.push_back({t, team.empty() ? "no team to take the conversation from" : "team " + team + " has no teams_conversation"});
        continue;
      }
    }
    add(std::move(t));
  }
  for (const auto& e : p.deliver.email) {
    Target t{"email", e, "deliver.email"};
    if (!config.email.enabled()) skipped.push_back({t, "email is not configured (email.smtp_url / SMTP_URL)"});
    else add(std::move(t));
  }
  if (p.deliver.pagerduty && !severity.empty()) {
    Target t{"pagerduty", "events", "deliver.pagerduty"};
    if (!config.pagerduty.enabled()) skipped.push_back({t, "PagerDuty is not configured (pagerduty.routing_key / PAGERDUTY_ROUTING_KEY)"});
    else if (!severity_at_least(severity, config.pagerduty.min_severity))
      skipped.push_back({t, "severity " + severity + " is below pagerduty.min_severity " + config.pagerduty.min_severity});
    else add(std::move(t));
  }
  for (const auto& s : subscribers(db, p.name)) {
    const std::string who = s.user_name.empty() ? s.user_id : s.user_name + " (" + s.user_id + ")";
    if (s.platform == "slack") {
      Target t{"slack", s.user_id, "subscribed in chat: " + who};
      if (!slack_ready) skipped.push_back({t, "Slack is not configured (slack.bot_token / SLACK_BOT_TOKEN)"});
      else add(std::move(t));
    } else if (s.platform == "teams") {
      Target t{"teams", s.channel, "subscribed in chat: " + who};
      if (s.channel.empty()) skipped.push_back({t, "the subscription has no conversation to post to"});
      else add(std::move(t));
    } else if (s.platform == "web") {
      if (!p.deliver.web) add({"web", "persona:" + p.name, "subscribed in chat: " + who});
    }
  }
}

RouteDecision route_for(storage::Database& db, const config::Config& config, const config::PersonaConfig& p,
                        const detect::Finding& f, const std::optional<detect::Incident>& incident, UnixSeconds now) {
  RouteDecision d;
  d.persona = p.name;
  auto no = [&](std::string why) {
    d.reasons.push_back(why);
    d.verdict = "does not get it: " + why;
    d.mode = RouteMode::none;
    return d;
  };
  if (!p.enabled) return no("the persona is disabled (personas." + p.name + ".enabled: false)");
  d.reasons.push_back("enabled");

  const std::string status = incident ? incident->status : f.status;
  if (status != "open")
    return no((incident ? "incident I" + std::to_string(incident->id) : "finding F" + std::to_string(f.id)) + " is " + status +
              " (earlier messages are updated, nothing new is sent)");

  const std::string kinds = p.kinds.empty() ? "every kind" : "kinds [" + text::join(p.kinds, ", ") + "]";
  if (!kind_selected(p.kinds, f.kind)) return no("kind " + f.kind + " is not in " + kinds);
  d.reasons.push_back("kind " + f.kind + (p.kinds.empty() ? " (every kind)" : " is in " + kinds));

  const std::string severity = effective_severity(f, incident);
  if (!severity_at_least(severity, p.min_severity))
    return no("severity " + severity + " is below min_severity " + p.min_severity);
  d.reasons.push_back("severity " + severity + " meets min_severity " + p.min_severity);

  if (!p.teams.empty()) {
    const std::string scope = "scope [" + text::join(p.teams, ", ") + "]";
    if (std::find(p.teams.begin(), p.teams.end(), f.team) == p.teams.end())
      return no("team " + (f.team.empty() ? std::string("(unallocated)") : f.team) + " is not in " + scope);
    d.reasons.push_back("team " + f.team + " is in " + scope);
  } else {
    d.reasons.push_back("scope all teams");
  }

  if (p.frequency != "real_time") {
    const std::string period = p.frequency == "daily_digest" ? "daily" : "weekly";
    d.reasons.push_back("frequency " + p.frequency + ": no message now; it is listed in the " + period + " digest");
    d.verdict = "in the " + period + " digest only";
    d.mode = RouteMode::digest;
    return d;
  }
  d.reasons.push_back("frequency real_time");

  d.mode = RouteMode::real_time;
  d.verdict = "gets it now";
  if (p.quiet_hours.enabled) {
    auto quiet = quiet_state(p.quiet_hours, now);
    if (!quiet.quiet) {
      d.reasons.push_back("outside quiet hours " + p.quiet_hours.text() + " (now " + quiet.local_now + ")");
    } else if (p.quiet_hours.breakthrough != "none" && severity_at_least(severity, p.quiet_hours.breakthrough)) {
      d.reasons.push_back("inside quiet hours " + p.quiet_hours.text() + " (now " + quiet.local_now + "), but severity " +
                          severity + " breaks through (breakthrough: " + p.quiet_hours.breakthrough + ")");
    } else {
      d.reasons.push_back("inside quiet hours " + p.quiet_hours.text() + " (now " + quiet.local_now + "): held until " +
                          quiet.ends_text);
      d.mode = RouteMode::held;
      d.held_until = quiet.ends_at;
      d.verdict = "held for quiet hours until " + quiet.ends_text;
      // A page is how someone is woken on purpose (PagerDuty's own schedules decide who): it is
      // the one thing quiet hours never hold.
      if (p.deliver.pagerduty) d.reasons.push_back("a page (deliver.pagerduty) is not held: it goes now");
    }
  } else {
    d.reasons.push_back("no quiet hours");
  }

  persona_targets(db, config, p, f.team, severity, d.targets, d.skipped);
  if (d.targets.empty()) {
    d.verdict = "would get it, but has nowhere to receive it";
    d.reasons.push_back("no delivery target (set personas." + p.name + ".deliver, or subscribe in chat)");
  }
  return d;
}

std::vector<RouteDecision> route(storage::Database& db, const config::Config& config, const detect::Finding& f,
                                 const std::optional<detect::Incident>& incident, UnixSeconds now) {
  std::vector<RouteDecision> out;
  for (const auto& p : config.personas.list) out.push_back(route_for(db, config, p, f, incident, now));
  return out;
}

json::object to_json(const RouteDecision& d) {
  json::array reasons, targets, skipped;
  for (const auto& r : d.reasons) reasons.push_back(json::value(r));
  for (const auto& t : d.targets) targets.push_back({{"channel", t.channel_kind}, {"address", t.address}, {"via", t.via}});
  for (const auto& s : d.skipped)
    skipped.push_back({{"channel", s.target.channel_kind}, {"address", s.target.address}, {"via", s.target.via}, {"reason", s.reason}});
  json::object o{{"persona", d.persona},
                 {"mode", to_string(d.mode)},
                 {"verdict", d.verdict},
                 {"reasons", reasons},
                 {"targets", targets},
                 {"skipped_targets", skipped}};
  o["held_until"] = d.held_until ? json::value(format_instant(*d.held_until)) : json::value(nullptr);
  return o;
}

}  // namespace costbot::alerts
