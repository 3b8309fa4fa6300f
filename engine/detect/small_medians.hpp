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

// Median of a handful of values (up to 16) without allocating.
inline double small_median(const double* values, int count) {
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

// The median of five with min and max only (no data-dependent branch, which an insertion sort of
// noisy values mispredicts): of the first four, the larger of the two smaller and the smaller of
// the two larger bracket the median together with the fifth. Same value as small_median(v, 5).
// A template so that the batch detector runs it on SIMD vectors (min/max written as selects).
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
