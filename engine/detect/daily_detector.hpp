#pragma once
// The daily cost detector: one online detector for a daily cost series, used by `costbot detect`
// for every scope and by `costbot detect-series` for daily input (one code path). Each day is
// scored from the days before it and itself only.
//
// Model: cost = level x weekday factor x (1 + noise). Relative residual e = actual / expected - 1.
//  - weekday factors: per weekday, the median of the last `season_weeks` ratios actual / level;
//  - level: exponentially weighted, each day's pull clipped at huber_k predictive scales;
//  - noise: a robust relative scale (clipped squared residuals, exponentially weighted) that
//    starts from a prior with few degrees of freedom, so the band is wide on day 8 and narrows as
//    history grows (Student-t predictive quantiles; the weekday factor's and the level's own
//    uncertainty are added).
// Methods, each calibrated to a false-alarm rate (the two-sided normal tail at `threshold`), not
// fitted to files:
//  - spike: an increase beyond the predictive band on one day (and at least spike_min_change);
//  - level shift (up, or down = a drop): two one-sided CUSUMs on the standardized residuals
//    (reference 1 scale, decision interval cusum_h, residuals clipped at `threshold` so one day
//    cannot trip it); an alarm needs the last shift_days days all on that side. Each alarm
//    re-anchors the level; it is reported when the level moved at least min_relative_change away
//    from the last reported one (so a runaway that re-anchors every few days is reported once it
//    adds up). A move that comes back within two weeks is undone silently (a long spike);
//  - drift and runaway growth: weekly means of the deseasonalized cost against the week 4..8 weeks
//    back, rising throughout; runaway when consecutive weeks grow by runaway_weekly_growth (or
//    when level shifts come as a staircase that fast);
//  - flatline ("idle"): the last idle_days days vary far less than the model says they should (a
//    chi-square lower tail at the same false-alarm rate), after a history that did vary;
//  - month-end and month-start bumps seen in earlier months raise the expectation.
// Decreases are a kind of their own (`drop`); whether they alert is an option.
// Score: every method maps its statistics to [0, 1] with 0.5 exactly at its decision boundary
// (gates included), and the day's score is the largest, so is_anomaly == (score >= 0.5) and any
// threshold on the score is a meaningful, stricter or looser, detector.
//
// DailyBatchDetector runs kLanes series that share their days (and calendar) in lockstep, the
// per-day arithmetic over all lanes at once (vectorized for AVX-512 / AVX2 / SSE2, chosen at run
// time); DailyCostDetector is the same code with one lane, so both give the same bits.
#include <cstdint>
#include <memory>

#include "engine/util/time.hpp"

namespace costbot::detect {

struct DailyDetectorOptions {
  double threshold = 4.0;            // z of the false-alarm rate every method is calibrated to
  double spike_min_change = 0.5;     // a one-day increase of at least this fraction is a spike
  double min_relative_change = 0.2;  // a persistent change (shift, drop, drift) of at least this
  double min_daily_impact = 0;       // |change| in currency per day below this never alerts
  bool alert_on_decrease = true;     // drops (and a flatline below the level) alert
  int shift_days = 3;                // days a shift must persist before it is one
  double cusum_h = 5.0;              // CUSUM decision interval, in scales
  double level_alpha = 0.15;
  int season_weeks = 5;
  double huber_k = 3.0;
  double drift_min_change = 0.25;
  int drift_weeks = 4;               // the reference week is 4..8 weeks back
  double runaway_weekly_growth = 0.1;
  int runaway_weeks = 2;             // weeks in a row each up runaway_weekly_growth
  int idle_days = 5;                 // 0 = no flatline detection
  int recurrence_months = 3;
  int recurrence_min_matches = 1;
  double prior_noise = 0.05;         // relative noise assumed before any residual is seen ...
  double prior_weight = 3;           // ... worth this many days
  double relative_floor = 0.01;      // the noise scale never below this fraction
};

enum class DayKind : std::uint8_t { warmup, normal, spike, dip, shift_up, drop, drift, runaway, flatline };
const char* to_string(DayKind k);

struct DayVerdict {
  double actual = 0, expected = 0, lower = 0, upper = 0;
  double change = 0;     // relative change the verdict is about (for spikes: actual / expected - 1)
  double impact = 0;     // currency per day
  double baseline = 0;   // what the change is measured against (per day)
  int since = 0;         // days before this one that the change began (0: today)
  double score = 0;      // 0..1; >= 0.5 exactly when is_anomaly
  bool is_anomaly = false;
  DayKind kind = DayKind::normal;  // the method behind the score (normal when nothing stands out)
  const char* note = "";           // "recurring month-end pattern", ...
};

template <int L>
struct DailyLanes;  // the lanes' state (daily_detector.cpp)

// One series.
class DailyCostDetector {
 public:
  explicit DailyCostDetector(DailyDetectorOptions options = {});
  ~DailyCostDetector();
  DailyCostDetector(DailyCostDetector&&) noexcept;
  DailyCostDetector& operator=(DailyCostDetector&&) noexcept;

  void reset();  // keeps every buffer
  // `learn` false: a holiday or planned event; scored, never an anomaly, kept out of the model.
  DayVerdict push(Day day, double value, bool learn = true);
  std::int64_t days() const;
  const DailyDetectorOptions& options() const;

 private:
  std::unique_ptr<DailyLanes<1>> lanes_;
};

// kLanes series over the same days with the same calendar; lanes without a series of their own
// may be fed anything finite (zeros).
class DailyBatchDetector {
 public:
  static constexpr int kLanes = 8;
  explicit DailyBatchDetector(DailyDetectorOptions options = {});
  ~DailyBatchDetector();
  DailyBatchDetector(const DailyBatchDetector&) = delete;
  DailyBatchDetector& operator=(const DailyBatchDetector&) = delete;

  void reset();
  // values[kLanes] in, out[kLanes] out.
  void push(Day day, const double* values, bool learn, DayVerdict* out);

 private:
  std::unique_ptr<DailyLanes<kLanes>> lanes_;
};

}  // namespace costbot::detect
