// `personas:` (who gets which alerts, where, how often, when not) and `alerts:` (grouping and
// escalation). The four built-in personas exist without any config; each key given overrides
// one default, and any other name defines a new persona by config alone.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "engine/alerts/kinds.hpp"
#include "engine/alerts/quiet_hours.hpp"
#include "engine/config/sections.hpp"
#include "engine/util/strings.hpp"

namespace costbot::config {

std::string QuietHoursConfig::text() const {
  if (!enabled) return "none";
  return alerts::clock_time_text(start_minute) + "-" + alerts::clock_time_text(end_minute) + " " + timezone;
}

bool PersonaConfig::wants_digest(const std::string& period) const {
  if (frequency == period + "_digest") return true;
  return std::find(digests.begin(), digests.end(), period) != digests.end();
}

const PersonaConfig* PersonasConfig::find(const std::string& name) const {
  for (const auto& p : list)
    if (p.name == name) return &p;
  return nullptr;
}

std::vector<std::string> PersonasConfig::names(bool enabled_only) const {
  std::vector<std::string> out;
  for (const auto& p : list)
    if (p.enabled || !enabled_only) out.push_back(p.name);
  return out;
}

std::string Config::public_base_url() const {
  std::string url = server.public_url;  // approvals.public_url is its deprecated alias (service_section.cpp)
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

std::vector<PersonaConfig> builtin_personas() {
  auto make = [](std::string name, std::string description, std::vector<std::string> kinds, std::string min_severity,
                 std::string frequency, std::vector<std::string> digests) {
    PersonaConfig p;
    p.name = name;
    p.templates = std::move(name);
    p.description = std::move(description);
    p.builtin = true;
    p.kinds = std::move(kinds);
    p.min_severity = std::move(min_severity);
    p.frequency = std::move(frequency);
    p.digests = std::move(digests);
    return p;
  };
  return {
      make("cfo", "money in business terms: impact against budget and forecast, one sentence of cause",
           {"cost_anomaly", "budget"}, "high", "real_time", {"weekly"}),
      make("engineer", "the resource, account, region and SKU, the fix and the command to run", {"cost_anomaly", "waste"},
           "medium", "real_time", {}),
      make("finops_analyst", "variance, allocation and detector confidence", {}, "low", "real_time", {"daily", "weekly"}),
      make("eng_manager", "the team's budget pace and top drivers", {"cost_anomaly", "budget", "waste"}, "high",
           "daily_digest", {"weekly"}),
  };
}

namespace {

const std::vector<std::string>& finding_severities() {
  static const std::vector<std::string> levels{"low", "medium", "high", "critical"};
  return levels;
}

bool plain_name(const std::string& s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

void read_quiet_hours(Reader& parent, QuietHoursConfig& q) {
  if (!parent.has("quiet_hours")) return;
  auto r = parent.section("quiet_hours");
  std::string from, to;
  bool have_from = r.string("from", from, true);
  bool have_to = r.string("to", to, true);
  if (have_from) {
    if (auto m = alerts::parse_clock_time(from)) q.start_minute = *m;
    else r.error("from", "expected a local time HH:MM such as 22:00, got \"" + from + "\"");
  }
  if (have_to) {
    if (auto m = alerts::parse_clock_time(to, true)) q.end_minute = *m == 1440 ? 0 : *m;
    else r.error("to", "expected a local time HH:MM such as 07:00, got \"" + to + "\"");
  }
  if (r.string("timezone", q.timezone, true) && !alerts::is_valid_timezone(q.timezone)) {
    r.error("timezone", "unknown time zone \"" + q.timezone +
                            "\" (an IANA name from tzdata, such as Europe/Berlin, America/New_York or UTC)");
  }
  std::vector<std::string> breakthrough_choices = finding_severities();
  breakthrough_choices.insert(breakthrough_choices.begin(), "none");
  r.choice("breakthrough", q.breakthrough, breakthrough_choices);
  q.enabled = have_from && have_to;
  if (q.enabled && q.start_minute == q.end_minute) r.error("to", "quiet hours from and to must differ");
  r.finish();
}

void read_delivery(Reader& parent, PersonaDelivery& d) {
  if (!parent.has("deliver")) return;
  auto r = parent.section("deliver");
  if (r.strings("slack", d.slack)) {
    for (const auto& target : d.slack)
      if (target.empty() || target.find(' ') != std::string::npos)
        r.error("slack", "\"" + target + "\" is not a channel (#name or C0123), a user id (U0123) or \"team\"");
  }
  r.strings("teams", d.teams);
  if (r.strings("email", d.email)) {
    for (const auto& address : d.email) {
      auto at = address.find('@');
      if (at == std::string::npos || at == 0 || at + 1 == address.size() || address.find_first_of(" \t\r\n<>,;") != std::string::npos)
        r.error("email", "\"" + address + "\" is not an email address (name@example.com)");
    }
  }
  r.boolean("pagerduty", d.pagerduty);
  r.boolean("web", d.web);
  r.finish();
}

void read_persona(Reader& r, PersonaConfig& p, const Config& config) {
  r.string("description", p.description);
  r.boolean("enabled", p.enabled);
  if (r.string("templates", p.templates) && !plain_name(p.templates))
    r.error("templates", "expected a template set name (a directory under templates/<channel>/), got \"" + p.templates + "\"");
  std::vector<std::string> kinds;
  if (r.strings("kinds", kinds)) {
    const auto choices = alerts::kind_choices();
    p.kinds.clear();
    for (const auto& k : kinds) {
      bool known = std::find(choices.begin(), choices.end(), k) != choices.end();
      bool glob = k.find_first_of("*?") != std::string::npos;
      if (!known && !glob) {
        auto hint = text::closest(k, choices);
        r.error("kinds", "unknown finding kind \"" + k + "\"" + (hint ? " (did you mean \"" + *hint + "\"?)" : "") +
                             "; valid: " + text::join(choices, ", "));
        continue;
      }
      if (k != "*") p.kinds.push_back(k);
    }
  }
  r.choice("min_severity", p.min_severity, finding_severities());
  r.choice("frequency", p.frequency, {"real_time", "daily_digest", "weekly_digest"});
  std::vector<std::string> digests;
  if (r.strings("digests", digests)) {
    p.digests.clear();
    for (const auto& d : digests) {
      if (d != "daily" && d != "weekly") r.error("digests", "unknown value \"" + d + "\" (valid: daily, weekly)");
      else p.digests.push_back(d);
    }
  }
  std::vector<std::string> scope;
  if (r.strings("scope", scope)) {
    p.teams.clear();
    std::vector<std::string> known;
    for (const auto& t : config.teams) known.push_back(t.name);
    for (const auto& s : scope) {
      if (s == "all") continue;
      if (!config.find_team(s)) {
        r.error("scope", "unknown team \"" + s + "\" (valid: all, or teams from `teams`: " +
                             (known.empty() ? std::string("none configured") : text::join(known, ", ")) + ")");
        continue;
      }
      p.teams.push_back(s);
    }
    if (std::find(scope.begin(), scope.end(), "all") != scope.end() && scope.size() > 1)
      r.error("scope", "\"all\" cannot be combined with team names");
  }
  read_delivery(r, p.deliver);
  read_quiet_hours(r, p.quiet_hours);
}

void read_alerts(Reader& root, AlertsConfig& a) {
  auto r = root.section("alerts");
  auto grouping = r.section("grouping");
  if (grouping.integer("min_items", a.group_min_items) && (a.group_min_items < 2 || a.group_min_items > 1000))
    grouping.error("min_items", "must be 2..1000");
  if (grouping.integer("top_items", a.group_top_items) && (a.group_top_items < 1 || a.group_top_items > 20))
    grouping.error("top_items", "must be 1..20");
  grouping.finish();
  auto e = r.section("escalation");
  auto& esc = a.escalation;
  e.boolean("enabled", esc.enabled);
  e.choice("min_severity", esc.min_severity, finding_severities());
  if (e.number("manager_after_hours", esc.manager_after_hours) && esc.manager_after_hours <= 0)
    e.error("manager_after_hours", "must be more than 0 hours");
  if (e.number("director_after_hours", esc.director_after_hours) && esc.director_after_hours <= 0)
    e.error("director_after_hours", "must be more than 0 hours");
  if (esc.director_after_hours <= esc.manager_after_hours)
    e.error("director_after_hours", fmt::format("must be later than manager_after_hours ({:g} h)", esc.manager_after_hours));
  e.string("manager_role", esc.manager_role);
  e.string("director_role", esc.director_role);
  e.finish();
  r.finish();
}

}  // namespace

void read_personas_section(Reader& root, Config& config) {
  auto& personas = config.personas.list;
  personas = builtin_personas();
  root.named("personas", [&](const std::string& name, Reader& r) {
    if (!plain_name(name)) {
      r.issues().add(r.path(), "a persona name is lower-case letters, digits, _ and - (it names a web feed and a template set)");
      return;
    }
    auto it = std::find_if(personas.begin(), personas.end(), [&](const PersonaConfig& p) { return p.name == name; });
    if (it == personas.end()) {
      PersonaConfig p;
      p.name = name;
      p.templates = "finops_analyst";  // the most complete neutral set, until the persona has its own
      p.description = "persona defined in config";
      personas.push_back(std::move(p));
      it = personas.end() - 1;
    }
    read_persona(r, *it, config);
  });
  read_alerts(root, config.alerts);
}

}  // namespace costbot::config
