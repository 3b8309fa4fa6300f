#pragma once
// A quantile over the last `capacity` values that entered it, where values enter only after
// waiting `lag` further pushes. The lag keeps an ongoing anomaly out of the reference it is
// measured against: a slow drift cannot inflate its own yardstick while it is happening.
// Written by hand because no packaged library keeps an exact windowed quantile with a delay;
// a sorted vector with binary-search insert/erase is exact and fast for windows of a few thousand.
#include <cstddef>
#include <vector>

namespace costbot::detect {

class SlidingQuantile {
 public:
  SlidingQuantile(std::size_t capacity, std::size_t lag);

  void push(double value);
  std::size_t size() const { return sorted_.size(); }
  // Linear interpolation between order statistics (as numpy.quantile does); 0 when empty.
  double quantile(double q) const;
  void clear();

 private:
  std::size_t capacity_;
  std::size_t lag_;
  std::vector<double> pending_;  // ring of values still waiting out the lag
  std::size_t pending_head_ = 0, pending_count_ = 0;
  std::vector<double> window_;  // ring of values in the window, oldest at window_head_
  std::size_t window_head_ = 0;
  std::vector<double> sorted_;
};

}  // namespace costbot::detect
