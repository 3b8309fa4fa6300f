#include "engine/detect/chart_series.hpp"

#include <algorithm>

#include "engine/detect/finding_store.hpp"
#include "engine/detect/scope_analysis.hpp"
#include "engine/query/costs.hpp"
#include "engine/util/error.hpp"

namespace costbot::detect {

ChartSeries scope_chart_series(storage::Database& db, const config::Config& config, const std::string& dimension,
                               const std::string& value, Day to, int days_shown) {
  if (!query::parse_dimension(dimension)) throw invalid_input("unknown dimension \"" + dimension + "\"");
  days_shown = std::clamp(days_shown, 7, config.detection.anomaly.history_days);
  const Day from = to - std::chrono::days{config.detection.anomaly.history_days - 1};
  auto series = load_scope_series(db, dimension, value, from, to);
  auto analysis = analyze_scope(config, series, planned_events(db, config), TuningTable::load(db));
  ChartSeries out;
  out.scope_dimension = dimension;
  out.scope_value = value;
  out.title = dimension + " " + (value.empty() ? "(unallocated)" : value) + ": daily cost";
  const std::size_t first = analysis.days.size() > static_cast<std::size_t>(days_shown) ? analysis.days.size() - days_shown : 0;
  for (std::size_t i = first; i < analysis.days.size(); ++i) {
    const auto& d = analysis.days[i];
    out.days.push_back(d.day);
    out.actual.push_back(d.actual);
    out.expected.push_back(d.expected);
    out.lower.push_back(std::max(0.0, d.lower));
    out.upper.push_back(d.upper);
    out.anomalous.push_back(d.anomalous);
  }
  return out;
}

ChartSeries finding_chart_series(storage::Database& db, const config::Config& config, std::int64_t finding_id, int days_shown) {
  FindingStore store(db);
  auto f = store.finding(finding_id);
  if (!f) throw not_found("no finding F" + std::to_string(finding_id));
  if (!is_cost_anomaly(f->kind))
    throw invalid_input("finding F" + std::to_string(finding_id) + " is a " + f->kind + " finding, not a cost anomaly");
  // Show a little of what came after, when the store has it.
  Day to = std::max(f->day, f->window_end.value_or(f->day)) + std::chrono::days{7};
  if (auto range = query::CostQuery(db).data_range()) to = std::min(to, range->second);
  auto out = scope_chart_series(db, config, f->scope_dimension, f->scope_value, to, days_shown);
  out.finding_id = f->id;
  out.title = f->title;
  out.highlight_from = f->window_start.value_or(f->day);
  out.highlight_to = f->window_end.value_or(f->day);
  return out;
}

boost::json::object to_json(const ChartSeries& s) {
  boost::json::array days, actual, expected, lower, upper, anomalous;
  for (std::size_t i = 0; i < s.days.size(); ++i) {
    days.push_back(boost::json::value(format_day(s.days[i])));
    actual.push_back(s.actual[i]);
    expected.push_back(s.expected[i]);
    lower.push_back(s.lower[i]);
    upper.push_back(s.upper[i]);
    anomalous.push_back(static_cast<bool>(s.anomalous[i]));
  }
  boost::json::object o{{"finding_id", s.finding_id}, {"title", s.title},   {"scope", {{"dimension", s.scope_dimension}, {"value", s.scope_value}}},
                        {"days", days},               {"actual", actual},   {"expected", expected},
                        {"lower", lower},             {"upper", upper},     {"anomalous", anomalous}};
  o["highlight_from"] = s.highlight_from ? boost::json::value(format_day(*s.highlight_from)) : boost::json::value(nullptr);
  o["highlight_to"] = s.highlight_to ? boost::json::value(format_day(*s.highlight_to)) : boost::json::value(nullptr);
  return o;
}

}  // namespace costbot::detect
