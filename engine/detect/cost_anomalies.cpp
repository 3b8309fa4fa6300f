#include "engine/detect/cost_anomalies.hpp"

#include <algorithm>
#include <cmath>

namespace costbot::detect {

bool CostCalendar::is_planned(Day d) const {
  for (const auto& [from, to] : planned)
    if (d >= from && d <= to) return true;
  return false;
}

bool CostAnalysis::recent_days_normal(int count) const {
  if (count <= 0 || static_cast<int>(days.size()) < count) return false;
  for (auto it = days.end() - count; it != days.end(); ++it)
    if (it->anomalous || it->score >= 0.5) return false;
  return true;
}

DailyDetectorOptions daily_options(const config::AnomalyConfig& c, const CostTuning& tuning) {
  DailyDetectorOptions o;
  o.threshold = c.threshold * tuning.threshold_factor;
  o.spike_min_change = c.spike_min_change;
  o.min_relative_change = c.min_relative_change;
  o.min_daily_impact = std::max(c.min_daily_impact, tuning.min_daily_impact);
  // Drops are always flagged, as their own kind; alert_on_decrease decides whether their
  // findings alert (detection_run), so the flagged days are the same either way.
  o.alert_on_decrease = true;
  o.shift_days = c.shift_days;
  o.level_alpha = c.level_alpha;
  o.season_weeks = c.season_weeks;
  o.drift_min_change = c.drift_min_change;
  o.drift_weeks = c.drift_weeks;
  o.runaway_weekly_growth = c.runaway_weekly_growth;
  o.runaway_weeks = c.runaway_weeks;
  o.idle_days = c.idle_days;
  o.recurrence_months = c.recurrence_months;
  o.recurrence_min_matches = c.recurrence_min_matches;
  return o;
}

std::string detection_kind(DayKind kind) {
  switch (kind) {
    case DayKind::shift_up: return "level_shift";
    case DayKind::drop: return "cost_drop";
    case DayKind::drift: return "drift";
    case DayKind::runaway: return "runaway_growth";
    case DayKind::flatline: return "cost_flatline";
    default: return "cost_spike";
  }
}

namespace {

// One day's verdict into the analysis: the day, and a detection when it is flagged.
void record_cost_day(CostAnalysis& out, std::size_t i, Day d, const DayVerdict& v, bool holiday, bool planned) {
  DayResult& day = out.days[i];
  day.day = d;
  day.actual = v.actual;
  day.expected = v.expected;
  day.lower = v.lower;
  day.upper = v.upper;
  day.score = v.score;
  day.anomalous = v.is_anomaly;
  day.note = holiday ? "holiday" : planned ? "planned event" : v.kind == DayKind::warmup ? "warm-up" : v.note;
  if (!v.is_anomaly) return;
  CostDetection det;
  det.kind = detection_kind(v.kind);
  det.day = d;
  det.window_start = d - std::chrono::days{v.since};
  det.window_end = d;
  det.expected = v.baseline;
  det.lower = v.lower;
  det.upper = v.upper;
  det.actual = v.baseline + v.impact;
  det.impact_per_day = v.impact;
  det.percent_change = v.change;
  det.score = v.score;
  det.decrease = v.impact < 0 && v.kind != DayKind::flatline;
  det.note = v.note;
  out.detections.push_back(std::move(det));
}

}  // namespace

CostAnalysis analyze_cost_series(Day first_day, std::span<const double> values, const config::AnomalyConfig& c,
                                 const CostCalendar& calendar, const CostTuning& tuning) {
  CostAnalysis out;
  out.days.resize(values.size());
  DailyCostDetector detector(daily_options(c, tuning));
  for (std::size_t i = 0; i < values.size(); ++i) {
    const Day d = first_day + std::chrono::days{static_cast<int>(i)};
    const bool holiday = calendar.is_holiday(d), planned = calendar.is_planned(d);
    record_cost_day(out, i, d, detector.push(d, values[i], !holiday && !planned), holiday, planned);
  }
  return out;
}

std::vector<CostAnalysis> analyze_cost_batch(Day first_day, const std::vector<std::span<const double>>& series,
                                             const config::AnomalyConfig& c, const CostCalendar& calendar,
                                             const CostTuning& tuning) {
  constexpr int kLanes = DailyBatchDetector::kLanes;
  std::vector<CostAnalysis> out(series.size());
  if (series.empty()) return out;
  const std::size_t n = series.front().size();
  for (auto& a : out) a.days.resize(n);
  DailyBatchDetector detector(daily_options(c, tuning));
  double values[kLanes];
  DayVerdict verdicts[kLanes];
  for (std::size_t from = 0; from < series.size(); from += kLanes) {
    const std::size_t lanes = std::min<std::size_t>(kLanes, series.size() - from);
    detector.reset();
    for (std::size_t i = 0; i < n; ++i) {
      const Day d = first_day + std::chrono::days{static_cast<int>(i)};
      const bool holiday = calendar.is_holiday(d), planned = calendar.is_planned(d);
      for (std::size_t l = 0; l < static_cast<std::size_t>(kLanes); ++l) values[l] = l < lanes ? series[from + l][i] : 0.0;
      detector.push(d, values, !holiday && !planned, verdicts);
      for (std::size_t l = 0; l < lanes; ++l) record_cost_day(out[from + l], i, d, verdicts[l], holiday, planned);
    }
  }
  return out;
}

}  // namespace costbot::detect
