#pragma once
// A settable clock that many threads may read (the service's I/O threads, the outbox worker).
#include <atomic>

#include "engine/util/time.hpp"

namespace costbot::testing {

class TestClock final : public Clock {
 public:
  explicit TestClock(UnixSeconds start) : now_(start) {}
  UnixSeconds now() const override { return now_.load(); }
  void set(UnixSeconds t) { now_ = t; }
  void advance(std::int64_t seconds) { now_ += seconds; }

 private:
  std::atomic<UnixSeconds> now_;
};

}  // namespace costbot::testing
