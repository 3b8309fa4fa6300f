#include "engine/detect/period_finder.hpp"

#include <algorithm>
#include <cmath>

namespace costbot::detect {

std::vector<double> autocorrelation(std::span<const double> values, int max_lag) {
  const auto n = static_cast<int>(values.size());
  max_lag = std::min(max_lag, n - 1);
  std::vector<double> acf(static_cast<std::size_t>(std::max(max_lag + 1, 0)), 0.0);
  if (n < 3 || max_lag < 1) return acf;
  // Remove a least-squares line so a trend does not read as correlation at every lag.
  double mean_t = (n - 1) / 2.0, mean_x = 0;
  for (double v : values) mean_x += v;
  mean_x /= n;
  double stt = 0, stx = 0;
  for (int i = 0; i < n; ++i) {
    stt += (i - mean_t) * (i - mean_t);
    stx += (i - mean_t) * (values[static_cast<std::size_t>(i)] - mean_x);
  }
  double slope = stt > 0 ? stx / stt : 0;
  std::vector<double> x(static_cast<std::size_t>(n));
  double var = 0;
  for (int i = 0; i < n; ++i) {
    x[static_cast<std::size_t>(i)] = values[static_cast<std::size_t>(i)] - mean_x - slope * (i - mean_t);
    var += x[static_cast<std::size_t>(i)] * x[static_cast<std::size_t>(i)];
  }
  if (var <= 1e-12 * std::max(1.0, mean_x * mean_x) * n) return acf;
  for (int lag = 0; lag <= max_lag; ++lag) {
    double s = 0;
    for (int i = 0; i + lag < n; ++i) s += x[static_cast<std::size_t>(i)] * x[static_cast<std::size_t>(i + lag)];
    // Scale up for the shorter overlap, so long lags are not penalised for having fewer pairs.
    acf[static_cast<std::size_t>(lag)] = s / var * n / (n - lag);
  }
  return acf;
}

namespace {

bool is_peak(const std::vector<double>& acf, int lag, double min_acf, double min_dip) {
  const int last = static_cast<int>(acf.size()) - 1;
  if (lag < 2 || lag > last) return false;
  double v = acf[static_cast<std::size_t>(lag)];
  if (v < min_acf) return false;
  for (int d = -2; d <= 2; ++d) {
    int j = lag + d;
    if (j >= 1 && j <= last && acf[static_cast<std::size_t>(j)] > v + 1e-9) return false;
  }
  double lowest = v;
  for (int j = 1; j < lag; ++j) lowest = std::min(lowest, acf[static_cast<std::size_t>(j)]);
  return v - lowest >= min_dip;
}

}  // namespace

int find_period(std::span<const double> values, const PeriodOptions& options) {
  const int n = static_cast<int>(values.size());
  const int max_lag = std::min(options.max_lag, n / 2);
  if (max_lag < 2) return 0;
  auto acf = autocorrelation(values, max_lag);
  // Calendar periods first: the longest one whose peak is about as strong as the best shorter
  // one (a weekly cycle contains the daily one, so it wins only when it explains as much).
  int best = 0;
  for (int hint : options.hints) {
    if (!is_peak(acf, hint, options.min_hint_acf, options.min_dip)) continue;
    if (best == 0 || acf[static_cast<std::size_t>(hint)] > acf[static_cast<std::size_t>(best)] + 0.05) best = hint;
  }
  if (best) return best;
  double best_value = 0;
  for (int lag = 3; lag < max_lag; ++lag) {
    if (!is_peak(acf, lag, options.min_generic_acf, 0.3)) continue;
    if (best == 0 || acf[static_cast<std::size_t>(lag)] > best_value + 0.1) {
      best = lag;
      best_value = acf[static_cast<std::size_t>(lag)];
    }
  }
  // A generic peak next to a calendar period is that period, slightly blurred by noise.
  for (int hint : options.hints)
    if (best && std::abs(best - hint) <= std::max(1, hint / 50)) return hint;
  return best;
}

}  // namespace costbot::detect
