#pragma once
// Finds the seasonal period of a series from its autocorrelation, preferring calendar periods
// (a day, a week, in points) when they are real peaks. Pure function; used online on the points
// seen so far, so it never looks ahead.
#include <span>
#include <vector>

namespace costbot::detect {

struct PeriodOptions {
  std::vector<int> hints;          // calendar periods in points, longest first (e.g. week, day)
  double min_hint_acf = 0.3;       // a hinted period must reach this autocorrelation ...
  double min_generic_acf = 0.6;    // ... any other lag this one (stricter: no calendar reason)
  double min_dip = 0.2;            // and the ACF must dip below peak - min_dip before the peak
  int max_lag = 4096;
};

// 0 when no period qualifies. Needs at least two full cycles of data for a period.
int find_period(std::span<const double> values, const PeriodOptions& options);

// Autocorrelation of the linearly detrended series at lags 0..max_lag (bias-corrected).
std::vector<double> autocorrelation(std::span<const double> values, int max_lag);

}  // namespace costbot::detect
