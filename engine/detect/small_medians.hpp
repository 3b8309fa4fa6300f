#pragma once
// The medians the statistical detector takes, shared by the one-series detector
// (series_detector.cpp) and the many-series one (series_batch.cpp), which must agree bit for bit.
#include <algorithm>
#include <vector>

namespace costbot::detect::medians {

// Median of a vector (reordered in place); the mean of the two middle values for an even size.
inline double median_of(std::vector<double>& v) {
  if (v.empty()) return 0;
  auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  double m = *mid;
  if (v.size() % 2 == 0) m = (m + *std::max_element(v.begin(), mid)) / 2;
  return m;
}
// The same on a copy, for callers that keep their values' order.
inline double median_of_copy(std::vector<double> v) { return median_of(v); }

// Median of a handful of values (up to 16) without allocating. Sorted by odd-even transposition:
// every step is a min and a max, no branch that depends on the values (an insertion sort of noisy
// values mispredicts about once per element, which dominated the warm-up fit in a profile).
inline double small_median(const double* values, int count) {
  double tmp[16];
  count = std::min(count, 16);
  if (count <= 0) return 0;
  for (int i = 0; i < count; ++i) tmp[i] = values[i];
  for (int round = 0; round < count; ++round) {
    for (int i = round & 1; i + 1 < count; i += 2) {
      const double a = tmp[i], b = tmp[i + 1];
      tmp[i] = std::min(a, b);
      tmp[i + 1] = std::max(a, b);
    }
  }
  return count % 2 ? tmp[count / 2] : (tmp[count / 2 - 1] + tmp[count / 2]) / 2;
}

template <class T>
[[gnu::always_inline]] inline T min_of(const T& x, const T& y) { return y < x ? y : x; }  // as std::min
template <class T>
[[gnu::always_inline]] inline T max_of(const T& x, const T& y) { return x < y ? y : x; }  // as std::max

template <class T>
[[gnu::always_inline]] inline T median_of_five(const T& a, const T& b, const T& c, const T& d, const T& e) {
  const T lo = max_of(min_of(a, b), min_of(c, d));
  const T hi = min_of(max_of(a, b), max_of(c, d));
  return max_of(min_of(lo, hi), min_of(max_of(lo, hi), e));
}

}  // namespace costbot::detect::medians
