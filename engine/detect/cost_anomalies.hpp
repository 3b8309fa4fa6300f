#pragma once
// Daily cost anomalies: the statistical detector (series_detector.hpp) applied to one daily cost
// series, plus what makes a cost alert worth reading:
//  - gates: a minimum dollar impact and a minimum relative change, so noise never alerts;
//  - recurring patterns are not anomalies: weekly cycles (the seasonal baseline), month-end and
//    month-start bumps seen in earlier months (the baseline is raised by them), holidays from the
//    calendar (scored, never alerted, kept out of the baseline), planned events (learnt, never
//    alerted);
//  - classification: cost_spike (a day), level_shift (the series moved and stayed),
//    drift (weekly cost creeping up), runaway_growth (compounding weekly growth).
// Pure: the caller reads the series and the calendar; nothing here touches the database.
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "engine/config/config.hpp"
#include "engine/detect/series_detector.hpp"
#include "engine/util/time.hpp"

namespace costbot::detect {

struct CostCalendar {
  std::set<Day> holidays;
  std::vector<std::pair<Day, Day>> planned;  // inclusive ranges that apply to this series
  bool is_holiday(Day d) const { return holidays.count(d) > 0; }
  bool is_planned(Day d) const;
};

// Feedback-driven changes for one scope (detection_tuning).
struct CostTuning {
  double threshold_factor = 1;  // multiplies the configured threshold
  double min_daily_impact = 0;  // when above the configured minimum, replaces it
};

struct DayResult {
  Day day{};
  double actual = 0, expected = 0, lower = 0, upper = 0;
  double score = 0;
  bool anomalous = false;  // part of a detection below
  std::string note;        // holiday, planned, recurring month-end, below impact, ...
};

struct CostDetection {
  std::string kind;  // cost_spike, level_shift, drift, runaway_growth
  Day day{};         // when it was first visible
  Day window_start{}, window_end{};
  double expected = 0, lower = 0, upper = 0, actual = 0;
  double impact_per_day = 0;  // actual - expected
  double percent_change = 0;  // impact / expected
  double score = 0;
  std::string note;
};

struct CostAnalysis {
  std::vector<DayResult> days;
  std::vector<CostDetection> detections;
  // The last `days` days were inside the interval and not part of a detection.
  bool recent_days_normal(int days) const;
};

DetectorOptions daily_cost_options(const config::AnomalyConfig& config, double threshold_factor = 1);

CostAnalysis analyze_cost_series(Day first_day, std::span<const double> values, const config::AnomalyConfig& config,
                                 const CostCalendar& calendar = {}, const CostTuning& tuning = {});

}  // namespace costbot::detect
