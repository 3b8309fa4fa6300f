#include <fmt/format.h>

#include <set>

#include "engine/config/sections.hpp"
#include "engine/detect/rules.hpp"
#include "engine/query/costs.hpp"
#include "engine/util/strings.hpp"
#include "engine/util/time.hpp"

namespace costbot::config {

const SeverityThresholds& DetectionConfig::severity_for(const std::string& team) const {
  auto it = team_severity.find(team);
  return it != team_severity.end() ? it->second : severity;
}

namespace {

void read_severity(Reader& r, SeverityThresholds& s) {
  r.number("critical", s.critical);
  r.number("high", s.high);
  r.number("medium", s.medium);
  if (s.medium < 0 || s.high < s.medium || s.critical < s.high)
    r.issues().add(r.path(), "expected 0 <= medium <= high <= critical (impact per day)");
}

void positive_int(Reader& r, const std::string& key, int& out, int min, int max) {
  if (r.integer(key, out) && (out < min || out > max))
    r.error(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
}

void fraction(Reader& r, const std::string& key, double& out, double min, double max) {
  if (r.number(key, out) && (out < min || out > max))
    r.error(key, fmt::format("must be between {:g} and {:g}", min, max));
}

void read_anomaly(Reader& r, AnomalyConfig& a) {
  std::vector<std::string> scopes;
  if (r.strings("scopes", scopes)) {
    a.scopes.clear();
    for (const auto& s : scopes) {
      if (!query::parse_dimension(s)) {
        r.error("scopes", "unknown dimension \"" + s + "\" (valid: " + text::join(query::dimension_names(), ", ") + ")");
        continue;
      }
      a.scopes.emplace_back(query::name_of(*query::parse_dimension(s)));
    }
  }
  positive_int(r, "history_days", a.history_days, 28, 3660);
  positive_int(r, "report_days", a.report_days, 1, 366);
  fraction(r, "threshold", a.threshold, 1, 100);
  fraction(r, "min_daily_impact", a.min_daily_impact, 0, 1e12);
  fraction(r, "min_relative_change", a.min_relative_change, 0, 100);
  fraction(r, "spike_min_change", a.spike_min_change, 0, 100);
  r.boolean("alert_on_decrease", a.alert_on_decrease);
  positive_int(r, "season_weeks", a.season_weeks, 1, 16);
  fraction(r, "level_alpha", a.level_alpha, 0.001, 1);
  positive_int(r, "shift_days", a.shift_days, 1, 8);
  positive_int(r, "idle_days", a.idle_days, 0, 16);
  if (a.idle_days > 0 && a.idle_days < 3) r.error("idle_days", "must be 0 (off) or between 3 and 16");
  positive_int(r, "resolve_after_days", a.resolve_after_days, 1, 60);
  fraction(r, "drift_min_change", a.drift_min_change, 0.01, 100);
  positive_int(r, "drift_weeks", a.drift_weeks, 2, 8);
  fraction(r, "runaway_weekly_growth", a.runaway_weekly_growth, 0.01, 100);
  positive_int(r, "runaway_weeks", a.runaway_weeks, 1, 7);
  positive_int(r, "recurrence_months", a.recurrence_months, 0, 12);
  positive_int(r, "recurrence_min_matches", a.recurrence_min_matches, 1, 12);
}

void read_scope(Reader& r, const std::string& key, ScopeMap& scope) {
  std::map<std::string, std::string> raw;
  if (!r.string_map(key, raw)) return;
  for (const auto& [dim, value] : raw) {
    if (!query::parse_dimension(dim)) {
      r.issues().add(r.path_of(key) + "." + dim,
                     "unknown dimension (valid: " + text::join(query::dimension_names(), ", ") + ")");
      continue;
    }
    scope[std::string(query::name_of(*query::parse_dimension(dim)))] = value;
  }
}

void date_key(Reader& r, const std::string& key, std::string& out, bool required) {
  if (r.string(key, out, required) && !parse_day(out)) r.error(key, "expected a date like 2024-12-25, got \"" + out + "\"");
}

}  // namespace

void read_detection_section(Reader& root, Config& config) {
  auto d = root.section("detection");
  auto& det = config.detection;
  {
    auto sev = d.section("severity");
    read_severity(sev, det.severity);
    sev.named("teams", [&](const std::string& team, Reader& r) {
      if (!config.find_team(team)) {
        std::vector<std::string> names;
        for (const auto& t : config.teams) names.push_back(t.name);
        r.issues().add(r.path(), "unknown team (teams: " + (names.empty() ? std::string("none configured") : text::join(names, ", ")) + ")");
      }
      auto& s = det.team_severity[team];
      s = det.severity;
      read_severity(r, s);
    });
    sev.finish();
  }
  {
    auto a = d.section("anomaly");
    read_anomaly(a, det.anomaly);
    a.finish();
  }
  {
    auto c = d.section("correlation");
    std::vector<std::string> chains;
    if (c.strings("hierarchies", chains)) {
      det.correlation.hierarchies.clear();
      for (const auto& chain : chains) {
        std::vector<std::string> dims;
        for (const auto& part : text::split(chain, '>')) {
          const auto name = text::trim(part);
          const auto dim = query::parse_dimension(name);
          if (!dim) {
            c.error("hierarchies", "unknown dimension \"" + std::string(name) + "\" in \"" + chain +
                                       "\" (valid: " + text::join(query::dimension_names(), ", ") + ")");
            continue;
          }
          dims.emplace_back(query::name_of(*dim));
        }
        if (dims.size() < 2) c.error("hierarchies", "\"" + chain + "\": expected two or more dimensions, broadest first (a > b)");
        else det.correlation.hierarchies.push_back(std::move(dims));
      }
    }
    fraction(c, "explain_share", det.correlation.explain_share, 0.05, 1);
    positive_int(c, "lookback_days", det.correlation.lookback_days, 0, 60);
    c.finish();
  }
  {
    auto cal = d.section("calendar");
    cal.list("holidays", [&](Reader& r) {
      auto& h = det.holidays.emplace_back();
      date_key(r, "date", h.date, true);
      r.string("name", h.name);
    });
    cal.finish();
  }
  std::set<std::string> event_names;
  d.list("planned_events", [&](Reader& r) {
    auto& e = det.planned_events.emplace_back();
    r.string("name", e.name, true);
    date_key(r, "from", e.from, true);
    date_key(r, "to", e.to, true);
    read_scope(r, "scope", e.scope);
    if (!e.from.empty() && !e.to.empty() && e.to < e.from) r.error("to", "ends before it starts");
  });
  std::set<std::string> rule_ids;
  d.list("rules", [&](Reader& r) {
    auto& rule = det.rules.emplace_back();
    detect::read_rule_config(r, rule);
    if (!rule.id.empty() && !rule_ids.insert(rule.id).second) r.error("id", "duplicate rule id \"" + rule.id + "\"");
  });
  std::set<std::string> budget_names;
  d.list("budgets", [&](Reader& r) {
    auto& b = det.budgets.emplace_back();
    r.string("name", b.name, true);
    read_scope(r, "scope", b.scope);
    if (b.scope.empty()) r.error("scope", "missing required key (a budget covers a scope such as {service: ...})");
    r.number("monthly", b.budget.monthly, true);
    if (b.budget.monthly <= 0) r.error("monthly", "must be positive");
    if (r.numbers("thresholds", b.budget.thresholds))
      for (double t : b.budget.thresholds)
        if (t <= 0 || t > 10) r.error("thresholds", "expected fractions of the budget such as 0.8 or 1.0");
    if (!b.name.empty() && !budget_names.insert(b.name).second) r.error("name", "duplicate budget name \"" + b.name + "\"");
  });
  {
    auto f = d.section("feedback");
    positive_int(f, "suppress_days", det.feedback.suppress_days, 1, 3660);
    fraction(f, "retune_factor", det.feedback.retune_factor, 1, 10);
    fraction(f, "noise_floor_margin", det.feedback.noise_floor_margin, 1, 10);
    f.finish();
  }
  d.finish();
}

}  // namespace costbot::config
