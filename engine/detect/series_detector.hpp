#pragma once
// The statistical detector: a robust, seasonal, streaming baseline for one series. Pure code, no
// database; `costbot detect-series` and the daily cost detector are both built on it.
//
// Model: value = level + season[phase] + noise.
//  - season: per phase, the median of the last `season_cycles` detrended values at that phase, so
//    one anomalous cycle (or two of five) never moves it; a pattern that persists for most of the
//    cycles becomes the new normal.
//  - two levels (fast and slow), each an exponentially weighted Huber M-estimate: a residual
//    beyond huber_k scales is clipped before it enters, so outliers and earlier anomalies are
//    down-weighted instead of dragging the baseline. The slow level catches slow drift that the
//    fast one would follow.
//  - scale, per level: a high quantile of |residual| over a long window that lags the present by
//    `scale_lag` points. Heavy-tailed series are measured against their own tails; an ongoing
//    anomaly cannot inflate its own yardstick.
//  - score = z^3 / (z^3 + threshold^3) for the larger |z| of the two levels: 0.5 exactly at the
//    threshold, smooth in 0..1. `anomaly` is score >= 0.5, then quiet for `hold` points (one alert
//    per event, not one per point).
//  - level shift: `shift_run` consecutive points beyond huber_k on the same side re-anchor the
//    level at once (the series moved; keep measuring against where it is now).
// Online: a point's result depends only on the points before it and itself.
// Cost: O(log scale_window) per point plus a short memmove (sliding_quantile.hpp), no division
// and no allocation per point; reset() keeps every buffer, so one detector reused over many
// series allocates nothing after the first.
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "engine/detect/period_finder.hpp"
#include "engine/detect/sliding_quantile.hpp"

namespace costbot::detect {

class SeriesBatchDetector;

struct DetectorOptions {
  int period = 0;                    // seasonal period in points; 0 = find it from the data
  bool find_period = true;           // when period == 0: look for one (else no seasonality)
  std::vector<int> period_hints;     // calendar periods in points (week, day), longest first
  int season_cycles = 5;             // cycles per phase in the seasonal median
  double fast_alpha = 0.05;          // level smoothing per point
  double slow_alpha = 0.005;         // 0 = no slow level
  double huber_k = 3.0;              // residuals beyond k scales are clipped before updating
  double threshold = 5.0;            // |z| at which score = 0.5 and a point is anomalous
  int scale_window = 1000;           // residuals kept for the scale quantile
  int scale_lag = -1;                // -1 = 1 / slow_alpha (or 0 without a slow level)
  double scale_quantile = 0.99;
  int min_scale_points = 50;         // before this many, the scale comes from the warm-up fit
  int hold = -1;                     // points of silence after an alert; -1 = max(period, scale_lag / 2)
  int warmup = 32;                   // points before the first score
  int history = 4096;                // points kept for finding the period
  int shift_run = 0;                 // 0 = off
  double relative_floor = 1e-3;      // scale never below this fraction of |level| ...
  double range_floor = 0.01;         // ... nor this fraction of the warm-up's 10-90% range
};

enum class PointKind : std::uint8_t { normal, warmup, spike, dip, level_shift };

struct PointResult {
  double value = 0;
  double expected = 0;
  double lower = 0;        // expected -/+ threshold * scale: the band inside which score < 0.5
  double upper = 0;
  double scale = 0;
  double z = 0;            // signed, of the level that gave the larger |z|
  double score = 0;        // 0..1
  bool anomaly = false;    // the detector's own decision (after hold)
  bool over_threshold = false;  // score >= 0.5 (before hold)
  PointKind kind = PointKind::normal;
};

class SeriesDetector {
 public:
  explicit SeriesDetector(DetectorOptions options = {});

  // Scores the next point, then learns from it (unless `learn` is false: a holiday or a known
  // outage is scored but kept out of the baseline).
  PointResult push(double value, bool learn = true);
  // `count` points are missing (a gap in the timestamps): advance the seasonal phase.
  void skip(int count);

  int period() const { return period_; }
  std::int64_t points() const { return n_; }
  const DetectorOptions& options() const { return options_; }
  void reset();

 private:
  friend class SeriesBatchDetector;  // takes over the state after the warm-up (series_batch.hpp)
  void fit_from_history();
  int phase_of(std::int64_t t) const;  // t % period_ (0 without a period)
  double season_at(int phase);
  void remember_season(int phase, double detrended);
  double sigma(int level) const;
  void remember_history(std::int64_t t, double value);

  DetectorOptions options_;
  // Derived from the options once (reset() does no work that depends on them only).
  std::vector<std::int64_t> checks_;  // push counts at which the period is (re)examined
  std::size_t history_capacity_ = 0;
  double quantile_divisor_ = 1;
  int season_k_ = 0;                  // options_.season_cycles

  int period_ = 0;
  int hold_ = 0;
  std::int64_t n_ = 0;            // index of the next point (skipped points count)
  std::int64_t pushed_ = 0;       // points actually pushed
  int phase_ = 0;                 // n_ % period_, kept incrementally (no division per point)
  std::size_t next_check_ = 0;
  // (index, value) of the latest points, for fitting and period finding: a ring, oldest at
  // history_head_. Not kept once fitted with no period check left (nothing would read it).
  std::vector<std::pair<std::int64_t, double>> history_;
  std::size_t history_head_ = 0;
  bool fitted_ = false;
  double level_[2] = {0, 0};
  SlidingQuantile scales_[2];
  double initial_sigma_ = 0;
  double floor_ = 1e-9;
  // Per phase: a ring of the last season_k_ detrended values, and its median, recomputed only
  // when the phase is next read after a change.
  std::vector<double> season_;
  std::vector<double> season_median_;
  std::vector<std::uint8_t> season_count_;
  std::vector<std::uint8_t> season_next_;
  std::vector<std::uint8_t> season_stale_;
  int cool_ = 0;
  int run_sign_ = 0;
  int run_length_ = 0;
  std::vector<double> run_residuals_;
  // Scratch for fit_from_history, kept so that a reused detector does not allocate per series.
  std::vector<double> fit_values_, fit_scratch_, fit_residuals_;
};

// Score every point of a whole series (convenience over push()).
std::vector<PointResult> detect_all(const std::vector<double>& values, const DetectorOptions& options);

}  // namespace costbot::detect
