#include "engine/detect/sliding_quantile.hpp"

#include <algorithm>
#include <cmath>

namespace costbot::detect {

SlidingQuantile::SlidingQuantile(std::size_t capacity, std::size_t lag)
    : capacity_(std::max<std::size_t>(capacity, 1)), lag_(lag), pending_(lag) {
  window_.reserve(capacity_);
  sorted_.reserve(capacity_);
}

void SlidingQuantile::clear() {
  pending_head_ = pending_count_ = 0;
  window_.clear();
  window_head_ = 0;
  sorted_.clear();
}

void SlidingQuantile::push(double value) {
  if (lag_ > 0) {
    // Swap the new value into the pending ring; the value that waited longest comes out.
    if (pending_count_ < lag_) {
      pending_[(pending_head_ + pending_count_) % lag_] = value;
      ++pending_count_;
      return;
    }
    std::swap(value, pending_[pending_head_]);
    pending_head_ = (pending_head_ + 1) % lag_;
  }
  if (window_.size() == capacity_) {
    double oldest = window_[window_head_];
    window_[window_head_] = value;
    window_head_ = (window_head_ + 1) % capacity_;
    auto it = std::lower_bound(sorted_.begin(), sorted_.end(), oldest);
    if (it != sorted_.end()) sorted_.erase(it);
  } else {
    window_.push_back(value);
  }
  sorted_.insert(std::upper_bound(sorted_.begin(), sorted_.end(), value), value);
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
