#pragma once
// Dates and instants. Instants are Unix seconds (UTC); calendar days are std::chrono::sys_days.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace costbot {

using UnixSeconds = std::int64_t;
using Day = std::chrono::sys_days;

// Accepts what billing exports write: "2024-09-18", "2024-09-18 22:00:00", "2024-09-18T22:00:00Z",
// fractional seconds, and a "+HH:MM" / "-HH:MM" / "Z" / " UTC" suffix. Returns nullopt otherwise.
std::optional<UnixSeconds> parse_instant(std::string_view text);
std::optional<Day> parse_day(std::string_view text);  // "YYYY-MM-DD" only

Day day_of(UnixSeconds t);
UnixSeconds start_of(Day d);
std::string format_day(Day d);                 // 2024-09-18
std::string format_instant(UnixSeconds t);     // 2024-09-18T22:00:00Z
std::string format_month(Day d);               // 2024-09
Day first_of_month(Day d);
Day first_of_next_month(Day d);
int days_in_month(Day d);
unsigned weekday(Day d);                       // 0 = Sunday .. 6 = Saturday

// The service's notion of "now", injectable so tests can move time (SLAs, budgets, schedules).
class Clock {
 public:
  virtual ~Clock() = default;
  virtual UnixSeconds now() const = 0;
  Day today() const { return day_of(now()); }
};

class SystemClock final : public Clock {
 public:
  UnixSeconds now() const override;
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(UnixSeconds start) : now_(start) {}
  UnixSeconds now() const override { return now_; }
  void set(UnixSeconds t) { now_ = t; }
  void advance(std::int64_t seconds) { now_ += seconds; }

 private:
  UnixSeconds now_;
};

// Process-wide default clock (a SystemClock unless COSTBOT_NOW=<instant> is set, which pins "now"
// for demos and reproducible CLI runs).
const Clock& default_clock();

}  // namespace costbot
