#pragma once
// Quiet hours in a persona's own time zone (IANA names, from the system's tzdata through Howard
// Hinnant's date/tz library, Debian's libhowardhinnant-date-dev: GCC 12's <chrono> has no time
// zone database yet). Daylight saving time is the library's job: "07:00 Europe/Berlin" is 05:00
// UTC in summer and 06:00 UTC in winter.
#include <optional>
#include <string>

#include "engine/config/config.hpp"
#include "engine/util/time.hpp"

namespace costbot::alerts {

bool is_valid_timezone(const std::string& name);
// "07:30" → 450; "24:00" → 1440 when allow_24 (an end of day). nullopt for anything else.
std::optional<int> parse_clock_time(const std::string& text, bool allow_24 = false);
std::string clock_time_text(int minute_of_day);  // 450 → "07:30"

struct QuietState {
  bool quiet = false;
  UnixSeconds ends_at = 0;   // when quiet: the instant the window ends (UTC)
  std::string local_now;     // "23:14 Europe/Berlin" (always filled)
  std::string ends_text;     // when quiet: "07:00 Europe/Berlin (05:00 UTC)"
};

// Whether `now` is inside the persona's quiet hours, and until when.
QuietState quiet_state(const config::QuietHoursConfig& quiet, UnixSeconds now);

}  // namespace costbot::alerts
