#include "engine/alerts/digest.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "engine/alerts/kinds.hpp"
#include "engine/alerts/message_render.hpp"
#include "engine/messages/publish.hpp"
#include "engine/alerts/quiet_hours.hpp"
#include "engine/alerts/routing.hpp"
#include "engine/detect/budgets.hpp"
#include "engine/detect/finding_store.hpp"
#include "engine/query/costs.hpp"
#include "engine/util/error.hpp"
#include "engine/util/format.hpp"
#include "engine/util/log.hpp"
#include "engine/util/strings.hpp"

namespace costbot::alerts {
namespace json = boost::json;
using std::chrono::days;

namespace {

bool in_scope(const config::PersonaConfig& p, const std::string& team) {
  return p.teams.empty() || std::find(p.teams.begin(), p.teams.end(), team) != p.teams.end();
}

// Per-service totals of the persona's scope over [from, to).
std::map<std::string, double> service_totals(query::CostQuery& q, const config::PersonaConfig& p, Day from, Day to) {
  std::map<std::string, double> out;
  query::Period period{from, to, ""};
  if (p.teams.empty()) {
    for (const auto& r : q.totals(query::Dimension::service, period)) out[r.key.empty() ? "(no service)" : r.label] += r.effective;
  } else {
    for (const auto& team : p.teams)
      for (const auto& r : q.totals(query::Dimension::service, period, {{query::Dimension::team, team}}))
        out[r.key.empty() ? "(no service)" : r.label] += r.effective;
  }
  return out;
}

}  // namespace

json::object digest_context(storage::Database& db, const config::Config& config, const config::PersonaConfig& p,
                            const std::string& period, UnixSeconds now) {
  if (period != "daily" && period != "weekly") throw invalid_input("digest period must be daily or weekly, got \"" + period + "\"");
  const std::string& currency = config.currency.base;
  query::CostQuery q(db);
  auto range = q.data_range();
  const Day as_of = range ? std::min(range->second, day_of(now)) : day_of(now) - days{1};
  const int n = period == "daily" ? 1 : 7;
  const Day from = as_of - days{n - 1}, to = as_of + days{1};
  const Day previous_from = from - days{n};

  // Top changes: services whose cost moved most against the period before.
  auto current = service_totals(q, p, from, to);
  auto previous = service_totals(q, p, previous_from, from);
  struct Change {
    std::string name;
    double now, before;
  };
  std::vector<Change> changes;
  double total_now = 0, total_before = 0;
  for (const auto& [name, v] : current) changes.push_back({name, v, previous.count(name) ? previous[name] : 0.0}), total_now += v;
  for (const auto& [name, v] : previous) {
    total_before += v;
    if (!current.count(name)) changes.push_back({name, 0, v});
  }
  std::sort(changes.begin(), changes.end(),
            [](const Change& a, const Change& b) { return std::fabs(a.now - a.before) > std::fabs(b.now - b.before); });
  json::array change_list;
  for (const auto& c : changes) {
    if (change_list.size() >= 5 || std::fabs(c.now - c.before) < 0.01) break;
    const double delta = c.now - c.before;
    change_list.push_back({{"name", c.name},
                           {"now_text", fmtx::money_rounded(c.now, currency)},
                           {"before_text", fmtx::money_rounded(c.before, currency)},
                           {"change_text", (delta >= 0 ? "+" : "") + fmtx::money_rounded(delta, currency)},
                           {"percent_text", c.before > 0 ? fmtx::percent_change(delta / c.before) : std::string("new")},
                           {"up", delta > 0}});
  }

  // Open incidents the persona's alerts would include.
  detect::FindingStore store(db);
  json::array incidents;
  int open_count = 0;
  double open_per_day = 0;
  std::vector<detect::Incident> open;
  for (auto& i : store.incidents(detect::FindingQuery::open())) {
    if (!kind_selected(p.kinds, i.kind) || !severity_at_least(i.severity, p.min_severity) || !in_scope(p, i.team)) continue;
    open.push_back(std::move(i));
  }
  std::sort(open.begin(), open.end(),
            [](const detect::Incident& a, const detect::Incident& b) { return a.peak_impact_per_day > b.peak_impact_per_day; });
  for (const auto& i : open) {
    ++open_count;
    open_per_day += std::max(0.0, i.peak_impact_per_day);
    if (incidents.size() >= 5) continue;
    incidents.push_back({{"ref", "I" + std::to_string(i.id)},
                         {"title", i.title},
                         {"severity", i.severity},
                         {"kind_label", kind_label(i.kind)},
                         {"team_label", i.team.empty() ? "unallocated" : i.team},
                         {"impact_day_text", fmtx::money_rounded(i.peak_impact_per_day, currency) + "/day"},
                         {"since_text", fmtx::day_short(i.first_day)},
                         {"is_critical", i.severity == "critical"}});
  }

  // Budget pace.
  json::array budgets;
  for (const auto& b : detect::budget_statuses(db, config, as_of)) {
    if (!p.teams.empty() && !in_scope(p, b.team)) continue;
    const bool over = b.forecast > b.budget;
    budgets.push_back({{"name", b.name},
                       {"monthly_text", fmtx::money(b.budget, 0, currency)},
                       {"mtd_text", fmtx::money(b.month_to_date, 0, currency)},
                       {"used_text", fmtx::percent(b.used)},
                       {"pace_text", fmtx::percent(b.pace) + " of pace"},
                       {"forecast_text", fmtx::money(b.forecast, 0, currency)},
                       {"forecast_used_text", fmtx::percent(b.forecast_used)},
                       {"over", over},
                       {"status_icon", over ? "\xF0\x9F\x94\xB4" : b.pace > 1.0 ? "\xF0\x9F\x9F\xA1" : "\xF0\x9F\x9F\xA2"}});
  }

  const std::string label = period == "daily" ? "Daily cost digest \xC2\xB7 " + fmtx::day_short(as_of)
                                              : "Weekly cost digest \xC2\xB7 " + fmtx::day_short(from) + " \xE2\x80\x93 " +
                                                    fmtx::day_short(as_of);
  const double delta = total_now - total_before;
  json::object ctx{{"period", period},
                   {"is_daily", period == "daily"},
                   {"is_weekly", period == "weekly"},
                   {"period_label", label},
                   {"as_of_text", fmtx::day_short(as_of)},
                   {"scope_text", p.teams.empty() ? std::string("all teams") : "teams " + text::join(p.teams, ", ")},
                   {"total_text", fmtx::money_rounded(total_now, currency)},
                   {"total_before_text", fmtx::money_rounded(total_before, currency)},
                   {"total_change_text", (delta >= 0 ? "+" : "") + fmtx::money_rounded(delta, currency)},
                   {"total_percent_text", total_before > 0 ? fmtx::percent_change(delta / total_before) : std::string("n/a")},
                   {"changes", change_list},
                   {"has_changes", !change_list.empty()},
                   {"incidents", incidents},
                   {"has_incidents", open_count > 0},
                   {"incident_count", open_count},
                   {"incident_more", std::max(0, open_count - static_cast<int>(incidents.size()))},
                   {"has_incident_more", open_count > static_cast<int>(incidents.size())},
                   {"open_impact_text", fmtx::money_rounded(open_per_day, currency) + "/day"},
                   {"budgets", budgets},
                   {"has_budgets", !budgets.empty()},
                   {"subject", "digest:" + p.name + ":" + period + ":" + format_day(day_of(now))},
                   {"open_url", config.public_base_url() + "/"}};
  return ctx;
}

DigestReport send_digests(storage::Database& db, const config::Config& config, const render::Templates& templates,
                          const std::string& period, UnixSeconds now, const std::string& only) {
  DigestReport report;
  MessageRenderer renderer(templates, config);
  const std::string day = format_day(day_of(now));
  auto tx = db.begin_write();
  for (const auto& p : config.personas.list) {
    if (!only.empty() && p.name != only) continue;
    if (!p.enabled || !p.wants_digest(period)) continue;
    SQLite::Statement seen(db.sql(), "SELECT 1 FROM alert_digests WHERE persona = ? AND period = ? AND day = ?");
    seen.bind(1, p.name);
    seen.bind(2, period);
    seen.bind(3, day);
    if (seen.executeStep()) {
      ++report.skipped;
      continue;
    }
    std::vector<Target> targets;
    std::vector<SkippedTarget> skipped;
    persona_targets(db, config, p, "", "", targets, skipped);
    for (const auto& s : skipped) report.lines.push_back(p.name + " " + period + " digest: skipped " + s.target.text() + ": " + s.reason);
    auto ctx = digest_context(db, config, p, period, now);
    const std::string subject = std::string(ctx.at("subject").as_string());
    UnixSeconds not_before = 0;
    if (p.quiet_hours.enabled) {
      auto quiet = quiet_state(p.quiet_hours, now);
      if (quiet.quiet) {
        not_before = quiet.ends_at;
        report.lines.push_back(p.name + " " + period + " digest: quiet hours, delivered at " + quiet.ends_text);
      }
    }
    int queued = 0;
    for (const auto& t : targets) {
      auto channel = parse_channel(t.channel_kind);
      if (!channel) continue;  // pagerduty: digests are not pages
      if (*channel == Channel::jira) continue;
      const std::string key = "digest:" + p.name + ":" + period + ":" + day + ":" + t.channel_kind + ":" + t.address;
      json::object facts = ctx;
      facts["web_title"] = ctx.at("period_label");
      auto message = renderer.message(p, *channel, "digest", subject, facts, 1);
      if (*channel == Channel::email)
        messages::enqueue(db, key, messages::Email{{t.address}, message}, now, {not_before, {}});
      else
        messages::post(db, {t.channel_kind, t.address}, message, key, now, {not_before, {}});
      ++queued;
    }
    SQLite::Statement ins(db.sql(), "INSERT INTO alert_digests(persona, period, day, targets, sent_at) VALUES (?, ?, ?, ?, ?)");
    ins.bind(1, p.name);
    ins.bind(2, period);
    ins.bind(3, day);
    ins.bind(4, queued);
    ins.bind(5, static_cast<std::int64_t>(now));
    ins.exec();
    ++report.personas;
    report.messages += queued;
    report.lines.push_back(fmt::format("{} {} digest: {} message(s), {} open incident(s)", p.name, period, queued,
                                       ctx.at("incident_count").as_int64()));
  }
  tx.commit();
  for (const auto& line : report.lines) spdlog::info("digest: {}", line);
  return report;
}

}  // namespace costbot::alerts
