#include "engine/detect/sliding_quantile.hpp"

#include <algorithm>
#include <cmath>

namespace costbot::detect {
namespace {

// Binary searches without data-dependent branches: the step is chosen by a conditional move, so
// the loop runs log2(n) times whatever the data, where std::lower_bound mispredicts about every
// other step on noisy residuals (the dominant cost of a push in a profile). Same results as
// std::lower_bound / std::upper_bound.
std::size_t count_below(const double* a, std::size_t n, double x) {
  if (n == 0) return 0;
  const double* base = a;
  while (n > 1) {
    const std::size_t half = n / 2;
    base += static_cast<std::size_t>(base[half - 1] < x) * half;
    n -= half;
  }
  return static_cast<std::size_t>(base - a) + (*base < x);
}

std::size_t count_not_above(const double* a, std::size_t n, double x) {
  if (n == 0) return 0;
  const double* base = a;
  while (n > 1) {
    const std::size_t half = n / 2;
    base += static_cast<std::size_t>(base[half - 1] <= x) * half;
    n -= half;
  }
  return static_cast<std::size_t>(base - a) + (*base <= x);
}

}  // namespace

SlidingQuantile::SlidingQuantile(std::size_t capacity, std::size_t lag)
    : capacity_(std::max<std::size_t>(capacity, 1)), lag_(lag), ring_(capacity_ + lag) {
  sorted_.reserve(capacity_);
}

void SlidingQuantile::clear() {
  head_ = pushed_ = 0;
  sorted_.clear();
}

void SlidingQuantile::push(double value) {
  const std::size_t slots = ring_.size();
  const bool leaves = pushed_ == slots;  // the ring is full: its oldest value leaves the window
  const double leaving = ring_[head_];
  ring_[head_] = value;
  const std::size_t newest = head_;
  head_ = head_ + 1 == slots ? 0 : head_ + 1;
  if (!leaves) ++pushed_;
  if (pushed_ <= lag_) return;  // nothing has waited out the lag yet
  const double entering = ring_[newest >= lag_ ? newest - lag_ : newest + slots - lag_];

  const std::size_t n = sorted_.size();
  if (!leaves) {
    const auto at = static_cast<std::ptrdiff_t>(count_not_above(sorted_.data(), n, entering));
    sorted_.insert(sorted_.begin() + at, entering);  // within the reserved capacity: never allocates
    return;
  }
  // Remove `leaving` (it is in the window: the very same double went in) and insert `entering`
  // where upper_bound puts it, by shifting only the elements between the two positions.
  double* a = sorted_.data();
  const std::size_t out = count_below(a, n, leaving);
  const std::size_t in = count_not_above(a, n, entering);
  if (in <= out) {
    std::copy_backward(a + in, a + out, a + out + 1);
    a[in] = entering;
  } else {
    std::copy(a + out + 1, a + in, a + out);
    a[in - 1] = entering;
  }
}

double SlidingQuantile::quantile(double q) const {
  if (sorted_.empty()) return 0.0;
  double pos = std::clamp(q, 0.0, 1.0) * static_cast<double>(sorted_.size() - 1);
  auto lo = static_cast<std::size_t>(std::floor(pos));
  std::size_t hi = std::min(lo + 1, sorted_.size() - 1);
  double frac = pos - static_cast<double>(lo);
  return sorted_[lo] + (sorted_[hi] - sorted_[lo]) * frac;
}

}  // namespace costbot::detect
