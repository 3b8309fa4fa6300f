#include "engine/detect/series_detector.hpp"

#include <algorithm>
#include <cmath>
#include <set>

namespace costbot::detect {
namespace {

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

double median_of(std::vector<double>& v) {
  if (v.empty()) return 0;
  auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  double m = *mid;
  if (v.size() % 2 == 0) m = (m + *std::max_element(v.begin(), mid)) / 2;
  return m;
}

// Median of a handful of values without allocating (season_cycles is small).
double small_median(const double* values, int count) {
  double tmp[16];
  count = std::min(count, 16);
  for (int i = 0; i < count; ++i) {
    double v = values[i];
    int j = i;
    for (; j > 0 && tmp[j - 1] > v; --j) tmp[j] = tmp[j - 1];
    tmp[j] = v;
  }
  if (count == 0) return 0;
  return count % 2 ? tmp[count / 2] : (tmp[count / 2 - 1] + tmp[count / 2]) / 2;
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
  reset();
}

void SeriesDetector::reset() {
  period_ = options_.period;
  n_ = 0;
  pushed_ = 0;
  history_.clear();
  fitted_ = false;
  level_[0] = level_[1] = 0;
  scales_[0].clear();
  scales_[1].clear();
  initial_sigma_ = 0;
  floor_ = 1e-9;
  cool_ = 0;
  run_sign_ = run_length_ = 0;
  run_residuals_.clear();
  quantile_divisor_ = two_sided_normal_quantile(options_.scale_quantile);
  checks_.clear();
  if (options_.period == 0 && options_.find_period) {
    std::set<std::int64_t> at;
    for (std::int64_t c = 64; c <= std::max(options_.history, 64); c *= 2) at.insert(c);
    for (int h : options_.period_hints)
      if (h >= 2) at.insert(2 * static_cast<std::int64_t>(h) + h / 4);
    checks_.assign(at.begin(), at.end());
  }
  next_check_ = 0;
  history_capacity_ = (options_.period == 0 && options_.find_period)
                          ? static_cast<std::size_t>(std::max(options_.history, options_.warmup))
                          : static_cast<std::size_t>(options_.warmup);
  season_.clear();
  season_count_.clear();
  season_next_.clear();
}

double SeriesDetector::season_at(std::int64_t t) const {
  if (period_ <= 0) return 0;
  auto phase = static_cast<std::size_t>(t % period_);
  int count = season_count_[phase];
  if (count == 0) return 0;
  return small_median(&season_[phase * static_cast<std::size_t>(options_.season_cycles)], count);
}

void SeriesDetector::remember_season(std::int64_t t, double detrended) {
  if (period_ <= 0) return;
  auto phase = static_cast<std::size_t>(t % period_);
  const auto k = static_cast<std::size_t>(options_.season_cycles);
  season_[phase * k + season_next_[phase]] = detrended;
  season_next_[phase] = static_cast<std::uint8_t>((season_next_[phase] + 1) % k);
  if (season_count_[phase] < k) ++season_count_[phase];
}

double SeriesDetector::sigma(int level) const {
  const auto& scale = scales_[level];
  if (scale.size() >= static_cast<std::size_t>(options_.min_scale_points))
    return std::max(floor_, scale.quantile(options_.scale_quantile) / quantile_divisor_);
  return std::max(floor_, initial_sigma_);
}

void SeriesDetector::fit_from_history() {
  const std::size_t n = history_.size();
  std::vector<double> values(n);
  for (std::size_t i = 0; i < n; ++i) values[i] = history_[i].second;
  const auto k = static_cast<std::size_t>(options_.season_cycles);
  season_.assign(static_cast<std::size_t>(std::max(period_, 0)) * k, 0.0);
  season_count_.assign(static_cast<std::size_t>(std::max(period_, 0)), 0);
  season_next_.assign(static_cast<std::size_t>(std::max(period_, 0)), 0);
  std::vector<double> scratch;
  double level = 0;
  if (period_ > 0) {
    // Each point's level is the median of one cycle around it; what is left is its season.
    const auto p = static_cast<std::size_t>(period_);
    for (std::size_t i = 0; i < n; ++i) {
      std::size_t from = i >= p / 2 ? i - p / 2 : 0;
      std::size_t to = std::min(n, from + p);
      from = to >= p ? to - p : 0;
      scratch.assign(values.begin() + static_cast<std::ptrdiff_t>(from), values.begin() + static_cast<std::ptrdiff_t>(to));
      remember_season(history_[i].first, values[i] - median_of(scratch));
    }
    scratch.assign(values.end() - static_cast<std::ptrdiff_t>(std::min(n, p)), values.end());
    level = median_of(scratch);
  } else {
    scratch.assign(values.end() - static_cast<std::ptrdiff_t>(std::min<std::size_t>(n, 32)), values.end());
    level = median_of(scratch);
  }
  level_[0] = level_[1] = level;

  std::vector<double> residuals;
  for (std::size_t i = n > 256 ? n - 256 : 0; i < n; ++i) residuals.push_back(values[i] - level - season_at(history_[i].first));
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

void SeriesDetector::skip(int count) {
  if (count > 0) n_ += count;
}

PointResult SeriesDetector::push(double value, bool learn) {
  const std::int64_t t = n_++;
  ++pushed_;
  PointResult r;
  r.value = value;
  history_.emplace_back(t, value);
  if (history_.size() > history_capacity_) history_.pop_front();

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
      std::vector<double> values;
      values.reserve(history_.size());
      for (const auto& h : history_) values.push_back(h.second);
      PeriodOptions po;
      po.hints = options_.period_hints;
      found = find_period(values, po);
    }
    if (!fitted_ || found != period_) {
      period_ = found;
      fit_from_history();
    }
  }

  const double season = season_at(t);
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
  remember_season(t, value - level_[0]);
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
