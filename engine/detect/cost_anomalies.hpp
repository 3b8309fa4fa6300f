#pragma once
// Daily cost anomalies: the daily cost detector (daily_detector.hpp) run over one scope's daily
// cost series with its calendar and its feedback tuning. `costbot detect` writes one finding per
// flagged day from here; `costbot detect-series` on daily input runs the same detector with the
// same options (daily_options below), so both flag the same days.
//  - holidays from the calendar and planned events are scored, never alerted, and kept out of the
//    baseline;
//  - kinds: cost_spike, level_shift, cost_drop (a decrease that persists, its own kind: whether it
//    alerts is alert_on_decrease), drift, runaway_growth, cost_flatline ("idle": the weekly pattern
//    and the noise are gone).
// Pure: the caller reads the series and the calendar; nothing here touches the database.
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "engine/config/config.hpp"
#include "engine/detect/daily_detector.hpp"
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
  bool anomalous = false;  // flagged (is_anomaly), holidays and planned events never are
  std::string note;        // holiday, planned, recurring month-end, ...
};

struct CostDetection {
  std::string kind;  // cost_spike, level_shift, cost_drop, drift, runaway_growth, cost_flatline
  Day day{};         // the day it was flagged
  Day window_start{}, window_end{};  // where the change began .. the flagged day
  double expected = 0, lower = 0, upper = 0, actual = 0;
  double impact_per_day = 0;  // actual - expected (the change per day)
  double percent_change = 0;  // impact / expected
  double score = 0;
  bool decrease = false;      // a drop (alert_on_decrease decides whether it alerts)
  std::string note;
};

struct CostAnalysis {
  std::vector<DayResult> days;
  std::vector<CostDetection> detections;  // one per flagged day, in day order
  // The last `days` days were inside the interval and not flagged.
  bool recent_days_normal(int days) const;
};

// The detector's options from the config (and a scope's feedback tuning).
DailyDetectorOptions daily_options(const config::AnomalyConfig& config, const CostTuning& tuning = {});

// The finding kind of a flagged day.
std::string detection_kind(DayKind kind);

CostAnalysis analyze_cost_series(Day first_day, std::span<const double> values, const config::AnomalyConfig& config,
                                 const CostCalendar& calendar = {}, const CostTuning& tuning = {});

// Series that share their days, calendar and tuning, eight at a time through DailyBatchDetector:
// the analyses analyze_cost_series gives one by one, bit for bit. Every series must have the
// same length.
std::vector<CostAnalysis> analyze_cost_batch(Day first_day, const std::vector<std::span<const double>>& series,
                                             const config::AnomalyConfig& config, const CostCalendar& calendar = {},
                                             const CostTuning& tuning = {});

}  // namespace costbot::detect
