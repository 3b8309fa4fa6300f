#pragma once
// A quantile over the last `capacity` values that entered it, where values enter only after
// waiting `lag` further pushes. The lag keeps an ongoing anomaly out of the reference it is
// measured against: a slow drift cannot inflate its own yardstick while it is happening.
// Written by hand because no packaged library keeps an exact windowed quantile with a delay.
//
// Cost per push, once the window is full: one value enters and one leaves, so the sorted copy of
// the window changes by moving the elements between the two positions one step (a binary search
// for each position, then one memmove) — O(log w) compares plus a short move, no allocation.
// A query is O(1). Exact: the same order statistics as sorting the window (so a rewrite of this
// class can be checked bit for bit against a sort, as the unit test does).
#include <cstddef>
#include <vector>

namespace costbot::detect {

class SeriesBatchDetector;

class SlidingQuantile {
 public:
  SlidingQuantile(std::size_t capacity, std::size_t lag);

  void push(double value);
  std::size_t size() const { return sorted_.size(); }
  // Linear interpolation between order statistics (as numpy.quantile does); 0 when empty.
  double quantile(double q) const;
  void clear();

 private:
  friend class SeriesBatchDetector;  // takes over the window after the warm-up (series_batch.hpp)
  std::size_t capacity_;
  std::size_t lag_;
  // The last capacity_ + lag_ values in arrival order: the value entering the window sits lag_
  // slots behind the newest, the one leaving is the one the newest overwrites.
  std::vector<double> ring_;
  std::size_t head_ = 0;     // slot of the next value
  std::size_t pushed_ = 0;   // values pushed since clear(), saturating at ring_.size()
  std::vector<double> sorted_;
};

}  // namespace costbot::detect
