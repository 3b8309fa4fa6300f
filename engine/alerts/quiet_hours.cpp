#include "engine/alerts/quiet_hours.hpp"

#include <date/tz.h>
#include <fmt/format.h>

#include "engine/util/strings.hpp"

namespace costbot::alerts {

bool is_valid_timezone(const std::string& name) {
  if (name.empty()) return false;
  try {
    return date::locate_zone(name) != nullptr;
  } catch (const std::exception&) {
    return false;
  }
}

std::optional<int> parse_clock_time(const std::string& text, bool allow_24) {
  auto t = std::string(text::trim(text));
  auto colon = t.find(':');
  if (colon == std::string::npos || colon == 0 || colon > 2 || t.size() != colon + 3) return std::nullopt;
  auto h = text::parse_int(t.substr(0, colon));
  auto m = text::parse_int(t.substr(colon + 1));
  if (!h || !m || *m < 0 || *m > 59 || *h < 0) return std::nullopt;
  if (*h == 24 && *m == 0 && allow_24) return 1440;
  if (*h > 23) return std::nullopt;
  return static_cast<int>(*h * 60 + *m);
}

std::string clock_time_text(int minute) { return fmt::format("{:02d}:{:02d}", minute / 60, minute % 60); }

QuietState quiet_state(const config::QuietHoursConfig& q, UnixSeconds now) {
  QuietState s;
  const auto* zone = date::locate_zone(q.timezone.empty() ? "UTC" : q.timezone);
  const auto sys = date::sys_seconds{std::chrono::seconds{now}};
  const auto local = zone->to_local(sys);
  const auto local_day = date::floor<date::days>(local);
  const int minute = static_cast<int>(std::chrono::duration_cast<std::chrono::minutes>(local - local_day).count());
  s.local_now = clock_time_text(minute) + " " + zone->name();
  if (!q.enabled || q.start_minute == q.end_minute) return s;
  const bool crosses_midnight = q.start_minute > q.end_minute;
  s.quiet = crosses_midnight ? (minute >= q.start_minute || minute < q.end_minute)
                             : (minute >= q.start_minute && minute < q.end_minute);
  if (!s.quiet) return s;
  // The window ends today when we are before its end, else (after a start that crosses midnight) tomorrow.
  auto end_day = local_day + date::days{minute < q.end_minute ? 0 : 1};
  auto end_local = end_day + std::chrono::minutes{q.end_minute};
  // A local time that does not exist (a spring-forward gap) maps to the moment after the gap.
  auto end_sys = zone->to_sys(end_local, date::choose::latest);
  s.ends_at = std::chrono::duration_cast<std::chrono::seconds>(end_sys.time_since_epoch()).count();
  const auto utc_minute = static_cast<int>((s.ends_at % 86400 + 86400) % 86400 / 60);
  s.ends_text = clock_time_text(q.end_minute) + " " + zone->name() + " (" + clock_time_text(utc_minute) + " UTC)";
  return s;
}

}  // namespace costbot::alerts
