#include "engine/util/cron.hpp"

#include <array>
#include <charconv>
#include <vector>

#include "engine/util/error.hpp"
#include "engine/util/strings.hpp"

namespace costbot {
namespace {

constexpr std::array<const char*, 12> kMonthNames = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                     "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<const char*, 7> kDayNames = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

struct FieldSpec {
  const char* name;
  int min, max;
  const char* const* names = nullptr;  // names[i] stands for names_first + i
  int name_count = 0;
  int names_first = 0;
};

const FieldSpec kFields[5] = {
    {"minute", 0, 59},
    {"hour", 0, 23},
    {"day-of-month", 1, 31},
    {"month", 1, 12, kMonthNames.data(), 12, 1},
    {"day-of-week", 0, 7, kDayNames.data(), 7, 0},
};

struct Alias {
  const char* name;
  const char* expansion;
};
constexpr Alias kAliases[] = {{"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
                              {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
                              {"@hourly", "0 * * * *"}};

class FieldError {
 public:
  std::string message;
};

int parse_value(std::string_view text, const FieldSpec& spec) {
  if (text.empty()) throw FieldError{"a value is missing"};
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc{} && end == text.data() + text.size()) {
    if (value < spec.min || value > spec.max)
      throw FieldError{std::to_string(value) + " is out of range " + std::to_string(spec.min) + "-" + std::to_string(spec.max)};
    return value;
  }
  for (int i = 0; i < spec.name_count; ++i)
    if (text::iequals(text, spec.names[i])) return spec.names_first + i;
  std::string valid = std::to_string(spec.min) + "-" + std::to_string(spec.max);
  if (spec.name_count) valid += " or " + std::string(spec.names[0]) + "-" + spec.names[spec.name_count - 1];
  throw FieldError{"\"" + std::string(text) + "\" is not a valid value (expected " + valid + ")"};
}

// One field into `bits` (index = value). Returns whether the field starts with '*'.
bool parse_field(std::string_view field, const FieldSpec& spec, std::vector<bool>& bits) {
  bits.assign(static_cast<std::size_t>(spec.max) + 1, false);
  for (const auto& item_text : text::split(field, ',')) {
    std::string_view item = item_text;
    if (item.empty()) throw FieldError{"empty item in the list \"" + std::string(field) + "\""};
    int step = 1;
    bool stepped = false;
    if (auto slash = item.find('/'); slash != std::string_view::npos) {
      auto step_text = item.substr(slash + 1);
      auto [end, ec] = std::from_chars(step_text.data(), step_text.data() + step_text.size(), step);
      if (ec != std::errc{} || end != step_text.data() + step_text.size() || step_text.empty())
        throw FieldError{"step \"" + std::string(step_text) + "\" is not a whole number"};
      if (step < 1 || step > spec.max) throw FieldError{"step " + std::to_string(step) + " must be 1-" + std::to_string(spec.max)};
      item = item.substr(0, slash);
      stepped = true;
    }
    int low = spec.min, high = spec.max;
    if (item == "*") {
      // the whole range
    } else if (auto dash = item.find('-'); dash != std::string_view::npos) {
      low = parse_value(item.substr(0, dash), spec);
      high = parse_value(item.substr(dash + 1), spec);
      if (low > high)
        throw FieldError{"range " + std::string(item) + " runs backwards (write the smaller value first)"};
    } else {
      low = parse_value(item, spec);
      high = stepped ? spec.max : low;  // "5/15" = from 5 to the end, every 15
    }
    for (int v = low; v <= high; v += step) bits[static_cast<std::size_t>(v)] = true;
  }
  return !field.empty() && field.front() == '*';
}

template <std::size_t N>
std::bitset<N> to_bits(const std::vector<bool>& values) {
  std::bitset<N> out;
  for (std::size_t i = 0; i < N && i < values.size(); ++i) out[i] = values[i];
  return out;
}

UnixSeconds floor_minute(UnixSeconds t) { return (t >= 0 ? t / 60 : (t - 59) / 60) * 60; }

// Every valid expression fires within one 400-year Gregorian cycle; a search that long that finds
// nothing proves the expression never fires (e.g. 30 February).
constexpr UnixSeconds kSearchLimit = 146097LL * 86400;

}  // namespace

std::optional<CronExpression> CronExpression::try_parse(std::string_view input, std::string& error) {
  std::string text(text::trim(input));
  std::string expanded = text;
  if (!text.empty() && text.front() == '@') {
    const Alias* found = nullptr;
    for (const auto& alias : kAliases)
      if (text::iequals(text, alias.name)) found = &alias;
    if (!found) {
      error = text::iequals(text, "@reboot") ? "@reboot is not supported: jobs run on a time schedule"
                                             : "unknown alias \"" + text +
                                                   "\" (valid: @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly)";
      return std::nullopt;
    }
    expanded = found->expansion;
  }
  std::vector<std::string> fields = text::split_words(expanded);
  if (fields.size() != 5) {
    error = "expected 5 fields (minute hour day-of-month month day-of-week), got " + std::to_string(fields.size());
    if (text.empty()) error = "is empty: expected 5 fields (minute hour day-of-month month day-of-week) or an alias such as @daily";
    return std::nullopt;
  }
  CronExpression e;
  e.text_ = text;
  std::vector<bool> bits;
  bool star[5] = {};
  for (int i = 0; i < 5; ++i) {
    try {
      star[i] = parse_field(fields[static_cast<std::size_t>(i)], kFields[i], bits);
    } catch (const FieldError& fe) {
      error = std::string(kFields[i].name) + ": " + fe.message;
      return std::nullopt;
    }
    switch (i) {
      case 0: e.minutes_ = to_bits<60>(bits); break;
      case 1: e.hours_ = to_bits<24>(bits); break;
      case 2: e.days_of_month_ = to_bits<32>(bits); break;
      case 3: e.months_ = to_bits<13>(bits); break;
      case 4:
        if (bits[7]) bits[0] = true;  // 7 is Sunday too
        e.days_of_week_ = to_bits<7>(bits);
        break;
    }
  }
  e.day_of_month_star_ = star[2];
  e.day_of_week_star_ = star[4];

  // Reject what can never fire (e.g. "0 0 30 2 *") now, not as a job that silently never runs.
  UnixSeconds m = floor_minute(0) + 60;
  bool fires = false;
  for (int guard = 0; guard < 1000000 && m <= kSearchLimit; ++guard) {
    Day d = day_of(m);
    std::chrono::year_month_day ymd{d};
    if (!e.months_[unsigned(ymd.month())]) {
      m = start_of(first_of_next_month(d));
    } else if (!e.day_matches(static_cast<int>(unsigned(ymd.day())), weekday(d))) {
      m = start_of(d + std::chrono::days{1});
    } else {
      fires = true;
      break;
    }
  }
  if (!fires) {
    error = "day-of-month and month never meet on a real date (such as 30 February): the schedule would never fire";
    return std::nullopt;
  }
  return e;
}

CronExpression CronExpression::parse(std::string_view text) {
  std::string error;
  auto e = try_parse(text, error);
  if (!e) throw invalid_input("cron expression \"" + std::string(text::trim(text)) + "\": " + error);
  return *e;
}

bool CronExpression::day_matches(int day_of_month, unsigned day_of_week) const {
  bool dom = days_of_month_[static_cast<std::size_t>(day_of_month)];
  bool dow = days_of_week_[day_of_week];
  if (day_of_month_star_ || day_of_week_star_) return dom && dow;
  return dom || dow;
}

bool CronExpression::matches(UnixSeconds t) const {
  const UnixSeconds m = floor_minute(t);
  const Day d = day_of(m);
  std::chrono::year_month_day ymd{d};
  const UnixSeconds in_day = m - start_of(d);
  return months_[unsigned(ymd.month())] && day_matches(static_cast<int>(unsigned(ymd.day())), weekday(d)) &&
         hours_[static_cast<std::size_t>(in_day / 3600)] && minutes_[static_cast<std::size_t>(in_day % 3600 / 60)];
}

UnixSeconds CronExpression::next_after(UnixSeconds t) const {
  UnixSeconds m = floor_minute(t) + 60;
  const UnixSeconds limit = m + kSearchLimit;
  while (m <= limit) {
    const Day d = day_of(m);
    std::chrono::year_month_day ymd{d};
    if (!months_[unsigned(ymd.month())]) {
      m = start_of(first_of_next_month(d));
      continue;
    }
    if (!day_matches(static_cast<int>(unsigned(ymd.day())), weekday(d))) {
      m = start_of(d + std::chrono::days{1});
      continue;
    }
    const UnixSeconds in_day = m - start_of(d);
    const auto hour = static_cast<std::size_t>(in_day / 3600);
    if (!hours_[hour]) {
      m = start_of(d) + static_cast<UnixSeconds>(hour + 1) * 3600;
      continue;
    }
    if (!minutes_[static_cast<std::size_t>(in_day % 3600 / 60)]) {
      m += 60;
      continue;
    }
    return m;
  }
  // parse() proved the expression fires; this only guards against a broken invariant.
  throw Error(ErrorKind::internal, "cron expression \"" + text_ + "\" found no time to fire");
}

}  // namespace costbot
