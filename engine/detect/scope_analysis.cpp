#include "engine/detect/scope_analysis.hpp"

#include <algorithm>

#include "engine/query/costs.hpp"
#include "engine/util/error.hpp"

namespace costbot::detect {
namespace {

// A scope that started within the window begins when its cost does: days before it existed are
// not "zero cost" to compare against.
ScopeSeries trimmed(ScopeSeries s) {
  std::size_t lead = 0;
  while (lead < s.values.size() && s.values[lead] == 0) ++lead;
  if (lead == 0) return s;
  s.values.erase(s.values.begin(), s.values.begin() + static_cast<std::ptrdiff_t>(lead));
  s.first_day += std::chrono::days{static_cast<int>(lead)};
  return s;
}

}  // namespace

std::vector<ScopeSeries> load_scope_series(storage::Database& db, const std::string& dimension, Day from, Day to) {
  auto dim = query::parse_dimension(dimension);
  if (!dim) throw invalid_input("unknown dimension " + dimension);
  query::CostQuery q(db);
  std::vector<ScopeSeries> out;
  for (auto& [value, values] : q.daily_series(*dim, query::Period{from, to + std::chrono::days{1}, ""}))
    out.push_back(trimmed({dimension, value, from, std::move(values)}));
  return out;
}

ScopeSeries load_scope_series(storage::Database& db, const std::string& dimension, const std::string& value, Day from, Day to) {
  auto dim = query::parse_dimension(dimension);
  if (!dim) throw invalid_input("unknown dimension " + dimension);
  query::CostQuery q(db);
  return trimmed({dimension, value, from, q.daily_total(query::Period{from, to + std::chrono::days{1}, ""}, {{*dim, value}})});
}

CostCalendar calendar_for(const config::Config& config, const std::vector<PlannedEvent>& events, const std::string& dim,
                          const std::string& value) {
  CostCalendar c;
  for (const auto& h : config.detection.holidays)
    if (auto d = parse_day(h.date)) c.holidays.insert(*d);
  for (const auto& e : events)
    if (applies_to(e, dim, value)) c.planned.emplace_back(e.from, e.to);
  return c;
}

CostTuning tuning_for(const TuningTable& tuning, const std::string& dim, const std::string& value) {
  const auto rule = anomaly_rule_id(dim);
  return {tuning.threshold_factor(rule, dim, value), tuning.min_daily_impact(rule, dim, value)};
}

CostAnalysis analyze_scope(const config::Config& config, const ScopeSeries& s, const std::vector<PlannedEvent>& events,
                           const TuningTable& tuning) {
  return analyze_cost_series(s.first_day, s.values, config.detection.anomaly, calendar_for(config, events, s.dimension, s.value),
                             tuning_for(tuning, s.dimension, s.value));
}

std::vector<CostAnalysis> analyze_scopes(const config::Config& config, std::span<const ScopeSeries> series,
                                         const std::vector<PlannedEvent>& events, const TuningTable& tuning) {
  std::vector<CostAnalysis> out(series.size());
  struct Group {
    Day first_day{};
    std::size_t length = 0;
    CostCalendar calendar;
    CostTuning tuning;
    std::vector<std::size_t> members;
  };
  std::vector<Group> groups;
  for (std::size_t i = 0; i < series.size(); ++i) {
    const auto& s = series[i];
    auto calendar = calendar_for(config, events, s.dimension, s.value);
    auto t = tuning_for(tuning, s.dimension, s.value);
    auto same = std::find_if(groups.begin(), groups.end(), [&](const Group& g) {
      return g.first_day == s.first_day && g.length == s.values.size() && g.calendar.planned == calendar.planned &&
             g.tuning.threshold_factor == t.threshold_factor && g.tuning.min_daily_impact == t.min_daily_impact;
    });
    if (same == groups.end()) {
      groups.push_back({s.first_day, s.values.size(), std::move(calendar), t, {}});
      same = groups.end() - 1;
    }
    same->members.push_back(i);
  }
  for (const auto& g : groups) {
    std::vector<std::span<const double>> spans;
    for (std::size_t i : g.members) spans.emplace_back(series[i].values);
    auto analyses = analyze_cost_batch(g.first_day, spans, config.detection.anomaly, g.calendar, g.tuning);
    for (std::size_t k = 0; k < g.members.size(); ++k) out[g.members[k]] = std::move(analyses[k]);
  }
  return out;
}

}  // namespace costbot::detect
