#include "engine/detect/series_detector.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "engine/detect/small_medians.hpp"

#include "engine/detect/exact_arithmetic.hpp"  // last: it changes how the code below compiles

namespace costbot::detect {
namespace {

using medians::median_of;
using medians::small_median;

// |z| of a standard normal below which a fraction q of the mass lies (two-sided), by bisection:
// a quantile of |residual| divided by it estimates the scale of Gaussian noise.
double two_sided_normal_quantile(double q) {
  double lo = 0, hi = 10;
  for (int i = 0; i < 80; ++i) {
    double mid = (lo + hi) / 2;
    if (std::erf(mid / std::sqrt(2.0)) < q) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

int effective_lag(const DetectorOptions& o) {
  if (o.scale_lag >= 0) return o.scale_lag;
  return o.slow_alpha > 0 ? static_cast<int>(std::lround(1.0 / o.slow_alpha)) : 0;
}

}  // namespace

SeriesDetector::SeriesDetector(DetectorOptions options)
    : options_(std::move(options)),
      scales_{SlidingQuantile(static_cast<std::size_t>(std::max(options_.scale_window, 1)),
                              static_cast<std::size_t>(effective_lag(options_))),
              SlidingQuantile(static_cast<std::size_t>(std::max(options_.scale_window, 1)),
                              static_cast<std::size_t>(effective_lag(options_)))} {
  options_.season_cycles = std::clamp(options_.season_cycles, 1, 16);
  options_.warmup = std::max(options_.warmup, 3);
  season_k_ = options_.season_cycles;
  quantile_divisor_ = two_sided_normal_quantile(options_.scale_quantile);
  if (options_.period == 0 && options_.find_period) {
    std::set<std::int64_t> at;
    for (std::int64_t c = 64; c <= std::max(options_.history, 64); c *= 2) at.insert(c);
    for (int h : options_.period_hints)
      if (h >= 2) at.insert(2 * static_cast<std::int64_t>(h) + h / 4);
    checks_.assign(at.begin(), at.end());
  }
  history_capacity_ = (options_.period == 0 && options_.find_period)
                          ? static_cast<std::size_t>(std::max(options_.history, options_.warmup))
                          : static_cast<std::size_t>(options_.warmup);
  history_.reserve(2 * history_capacity_ + 1);
  reset();
}

void SeriesDetector::reset() {
  period_ = options_.period;
  n_ = 0;
  pushed_ = 0;
  phase_ = 0;
  history_.clear();
  history_head_ = 0;
  fitted_ = false;
  level_[0] = level_[1] = 0;
  scales_[0].clear();
  scales_[1].clear();
  initial_sigma_ = 0;
  floor_ = 1e-9;
  cool_ = 0;
  run_sign_ = run_length_ = 0;
  run_residuals_.clear();
  next_check_ = 0;
  season_.clear();
  season_median_.clear();
  season_count_.clear();
  season_next_.clear();
  season_stale_.clear();
}

void SeriesDetector::remember_history(std::int64_t t, double value) {
  // A window over a buffer twice its size: appending is O(1), and once the dropped front reaches
  // the capacity it is erased in one move, so the window stays contiguous for the fit.
  history_.emplace_back(t, value);
  if (history_.size() - history_head_ > history_capacity_) ++history_head_;
  if (history_head_ >= history_capacity_) {
    history_.erase(history_.begin(), history_.begin() + static_cast<std::ptrdiff_t>(history_head_));
    history_head_ = 0;
  }
}

double SeriesDetector::season_at(int at_phase) {
  if (period_ <= 0) return 0;
  const auto phase = static_cast<std::size_t>(at_phase);
  if (season_stale_[phase]) {
    const double* v = &season_[phase * static_cast<std::size_t>(season_k_)];
    const int count = season_count_[phase];
    season_median_[phase] = count == 5 ? medians::median_of_five(v[0], v[1], v[2], v[3], v[4]) : small_median(v, count);
    season_stale_[phase] = 0;
  }
  return season_median_[phase];
}

void SeriesDetector::remember_season(int at_phase, double detrended) {
  if (period_ <= 0) return;
  const auto phase = static_cast<std::size_t>(at_phase);
  const auto k = static_cast<std::size_t>(season_k_);
  season_[phase * k + season_next_[phase]] = detrended;
  season_next_[phase] = static_cast<std::uint8_t>(season_next_[phase] + 1u == k ? 0 : season_next_[phase] + 1);
  if (season_count_[phase] < k) ++season_count_[phase];
  season_stale_[phase] = 1;
}

double SeriesDetector::sigma(int level) const {
  const auto& scale = scales_[level];
  if (scale.size() >= static_cast<std::size_t>(options_.min_scale_points))
    return std::max(floor_, scale.quantile(options_.scale_quantile) / quantile_divisor_);
  return std::max(floor_, initial_sigma_);
}

void SeriesDetector::fit_from_history() {
  const auto* history = history_.data() + history_head_;
  const std::size_t n = history_.size() - history_head_;
  std::vector<double>& values = fit_values_;
  std::vector<double>& scratch = fit_scratch_;
  values.resize(n);
  for (std::size_t i = 0; i < n; ++i) values[i] = history[i].second;
  const auto k = static_cast<std::size_t>(season_k_);
  const auto phases = static_cast<std::size_t>(std::max(period_, 0));
  season_.assign(phases * k, 0.0);
  season_median_.assign(phases, 0.0);
  season_count_.assign(phases, 0);
  season_next_.assign(phases, 0);
  season_stale_.assign(phases, 0);
  double level = 0;
  if (period_ > 0) {
    // Each point's level is the median of one cycle around it; what is left is its season.
    const auto p = static_cast<std::size_t>(period_);
    std::size_t last_from = n;
    double level_here = 0;
    for (std::size_t i = 0; i < n; ++i) {
      std::size_t from = i >= p / 2 ? i - p / 2 : 0;
      std::size_t to = std::min(n, from + p);
      from = to >= p ? to - p : 0;
      if (from != last_from) {  // the first and last half cycle share one window
        last_from = from;
        if (to - from <= 16) {  // a week of days: no copy, no nth_element (the same value)
          level_here = small_median(values.data() + from, static_cast<int>(to - from));
        } else {
          scratch.assign(values.begin() + static_cast<std::ptrdiff_t>(from), values.begin() + static_cast<std::ptrdiff_t>(to));
          level_here = median_of(scratch);
        }
      }
      remember_season(phase_of(history[i].first), values[i] - level_here);
    }
    scratch.assign(values.end() - static_cast<std::ptrdiff_t>(std::min(n, p)), values.end());
    level = median_of(scratch);
  } else {
    scratch.assign(values.end() - static_cast<std::ptrdiff_t>(std::min<std::size_t>(n, 32)), values.end());
    level = median_of(scratch);
  }
  level_[0] = level_[1] = level;

  std::vector<double>& residuals = fit_residuals_;
  residuals.clear();
  for (std::size_t i = n > 256 ? n - 256 : 0; i < n; ++i) residuals.push_back(values[i] - level - season_at(phase_of(history[i].first)));
  double mid = median_of(residuals);
  for (auto& r : residuals) r = std::abs(r - mid);
  initial_sigma_ = 1.4826 * median_of(residuals);

  scratch = values;
  std::sort(scratch.begin(), scratch.end());
  auto at = [&](double q) { return scratch[static_cast<std::size_t>(q * static_cast<double>(scratch.size() - 1))]; };
  floor_ = std::max({options_.range_floor * (at(0.9) - at(0.1)), options_.relative_floor * std::abs(level), 1e-9});
  hold_ = options_.hold >= 0 ? options_.hold : std::max(period_, effective_lag(options_) / 2);
  fitted_ = true;
}

int SeriesDetector::phase_of(std::int64_t t) const { return period_ > 0 ? static_cast<int>(t % period_) : 0; }

void SeriesDetector::skip(int count) {
  if (count <= 0) return;
  n_ += count;
  phase_ = phase_of(n_);
}

PointResult SeriesDetector::push(double value, bool learn) {
  const std::int64_t t = n_++;
  int phase = phase_;
  if (period_ > 0 && ++phase_ == period_) phase_ = 0;
  ++pushed_;
  PointResult r;
  r.value = value;
  // The history is read by the fit and by period checks only: none is left once fitted.
  if (!fitted_ || next_check_ < checks_.size()) remember_history(t, value);

  if (pushed_ < options_.warmup) {
    r.expected = r.lower = r.upper = value;
    r.kind = PointKind::warmup;
    return r;
  }
  bool due = next_check_ < checks_.size() && pushed_ >= checks_[next_check_];
  if (!fitted_ || due) {
    int found = period_;
    if (due) {
      while (next_check_ < checks_.size() && pushed_ >= checks_[next_check_]) ++next_check_;
      fit_values_.clear();
      for (std::size_t i = history_head_; i < history_.size(); ++i) fit_values_.push_back(history_[i].second);
      PeriodOptions po;
      po.hints = options_.period_hints;
      found = find_period(fit_values_, po);
    }
    if (!fitted_ || found != period_) {
      period_ = found;
      fit_from_history();
      phase = phase_of(t);
      phase_ = phase_of(n_);
    }
  }

  const double season = season_at(phase);
  double expected[2], residual[2], scale[2], z[2];
  const int levels = options_.slow_alpha > 0 ? 2 : 1;
  for (int j = 0; j < levels; ++j) {
    expected[j] = level_[j] + season;
    residual[j] = value - expected[j];
    scale[j] = sigma(j);
    z[j] = residual[j] / scale[j];
  }
  int pick = levels == 2 && std::abs(z[1]) > std::abs(z[0]) ? 1 : 0;
  const double az = std::abs(z[pick]);
  const double thr = options_.threshold;
  r.expected = expected[0];
  r.scale = scale[0];
  r.lower = expected[0] - thr * scale[0];
  r.upper = expected[0] + thr * scale[0];
  r.z = z[pick];
  r.score = std::isfinite(az) ? az * az * az / (az * az * az + thr * thr * thr) : 1.0;
  r.over_threshold = r.score >= 0.5;
  if (r.over_threshold) {
    r.kind = z[pick] > 0 ? PointKind::spike : PointKind::dip;
    if (cool_ == 0) {
      r.anomaly = true;
      cool_ = hold_;
    }
  }
  if (cool_ > 0) --cool_;
  if (!learn) return r;

  const double k = options_.huber_k;
  bool shifted = false;
  if (options_.shift_run > 0) {
    int sign = std::abs(residual[0]) > k * scale[0] ? (residual[0] > 0 ? 1 : -1) : 0;
    if (sign != 0 && sign == run_sign_) {
      ++run_length_;
    } else {
      run_sign_ = sign;
      run_length_ = sign ? 1 : 0;
      run_residuals_.clear();
    }
    if (sign) run_residuals_.push_back(residual[0]);
    if (run_length_ >= options_.shift_run) {
      // The series moved: re-anchor both levels where it is now instead of crawling there.
      level_[0] += median_of(run_residuals_);
      level_[1] = level_[0];
      shifted = true;
      r.kind = PointKind::level_shift;
      run_sign_ = run_length_ = 0;
      run_residuals_.clear();
    }
  }
  for (int j = 0; j < levels; ++j) {
    if (!shifted) level_[j] += (j == 0 ? options_.fast_alpha : options_.slow_alpha) *
                               std::clamp(residual[j], -k * scale[j], k * scale[j]);
    scales_[j].push(std::abs(residual[j]));
  }
  remember_season(phase, value - level_[0]);
  return r;
}

std::vector<PointResult> detect_all(const std::vector<double>& values, const DetectorOptions& options) {
  SeriesDetector d(options);
  std::vector<PointResult> out;
  out.reserve(values.size());
  for (double v : values) out.push_back(d.push(v));
  return out;
}

}  // namespace costbot::detect
