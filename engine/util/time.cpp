#include "engine/util/time.hpp"

#include <cstdlib>
#include <fmt/format.h>

namespace costbot {
namespace {

// Hand-written because this runs once per billing row: a fixed-layout digit parser is several
// times faster than std::get_time / std::chrono::parse and needs no locale.
bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    char c = s[i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

bool valid_ymd(int y, int m, int d) {
  using namespace std::chrono;
  return year_month_day{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}}.ok();
}

}  // namespace

std::optional<Day> parse_day(std::string_view s) {
  int y, m, d;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 0, 4, y) || !digits(s, 5, 2, m) ||
      !digits(s, 8, 2, d) || !valid_ymd(y, m, d))
    return std::nullopt;
  using namespace std::chrono;
  return sys_days{year{y} / month{static_cast<unsigned>(m)} / day{static_cast<unsigned>(d)}};
}

std::optional<UnixSeconds> parse_instant(std::string_view s) {
  if (s.size() < 10) return std::nullopt;
  auto day = parse_day(s.substr(0, 10));
  if (!day) return std::nullopt;
  UnixSeconds t = start_of(*day);
  std::size_t pos = 10;
  if (pos == s.size()) return t;
  if (s[pos] != 'T' && s[pos] != ' ') return std::nullopt;
  ++pos;
  int hh, mm, ss = 0;
  if (!digits(s, pos, 2, hh) || pos + 2 >= s.size() || s[pos + 2] != ':' || !digits(s, pos + 3, 2, mm))
    return std::nullopt;
  pos += 5;
  if (pos < s.size() && s[pos] == ':') {
    if (!digits(s, pos + 1, 2, ss)) return std::nullopt;
    pos += 3;
    if (pos < s.size() && s[pos] == '.') {
      ++pos;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;  // sub-second part dropped
    }
  }
  if (hh > 23 || mm > 59 || ss > 60) return std::nullopt;
  t += hh * 3600 + mm * 60 + ss;
  std::string_view zone = s.substr(pos);
  if (zone.empty() || zone == "Z" || zone == " UTC" || zone == "UTC") return t;
  if ((zone[0] == '+' || zone[0] == '-') && zone.size() == 6 && zone[3] == ':') {
    int zh, zm;
    if (!digits(zone, 1, 2, zh) || !digits(zone, 4, 2, zm)) return std::nullopt;
    int offset = zh * 3600 + zm * 60;
    return zone[0] == '+' ? t - offset : t + offset;
  }
  return std::nullopt;
}

Day day_of(UnixSeconds t) {
  return std::chrono::floor<std::chrono::days>(std::chrono::sys_seconds{std::chrono::seconds{t}});
}

UnixSeconds start_of(Day d) {
  return std::chrono::duration_cast<std::chrono::seconds>(d.time_since_epoch()).count();
}

std::string format_day(Day d) {
  std::chrono::year_month_day ymd{d};
  return fmt::format("{:04d}-{:02d}-{:02d}", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                     static_cast<unsigned>(ymd.day()));
}

std::string format_month(Day d) { return format_day(d).substr(0, 7); }

std::string format_instant(UnixSeconds t) {
  Day d = day_of(t);
  auto secs = t - start_of(d);
  return fmt::format("{}T{:02d}:{:02d}:{:02d}Z", format_day(d), secs / 3600, (secs / 60) % 60, secs % 60);
}

Day first_of_month(Day d) {
  std::chrono::year_month_day ymd{d};
  return std::chrono::sys_days{ymd.year() / ymd.month() / std::chrono::day{1}};
}

Day first_of_next_month(Day d) {
  std::chrono::year_month_day ymd{first_of_month(d)};
  return std::chrono::sys_days{ymd + std::chrono::months{1}};
}

int days_in_month(Day d) { return (first_of_next_month(d) - first_of_month(d)).count(); }

unsigned weekday(Day d) { return std::chrono::weekday{d}.c_encoding(); }

UnixSeconds SystemClock::now() const {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {
class PinnedClock final : public Clock {
 public:
  explicit PinnedClock(UnixSeconds t) : t_(t) {}
  UnixSeconds now() const override { return t_; }

 private:
  UnixSeconds t_;
};
}  // namespace

const Clock& default_clock() {
  static const Clock* clock = [] () -> const Clock* {
    if (const char* pinned = std::getenv("COSTBOT_NOW")) {
      if (auto t = parse_instant(pinned)) return new PinnedClock(*t);
    }
    return new SystemClock();
  }();
  return *clock;
}

}  // namespace costbot
