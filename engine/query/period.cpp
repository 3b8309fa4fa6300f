#include "engine/query/period.hpp"

#include "engine/util/strings.hpp"

namespace costbot::query {

Period month_of(Day d) { return {first_of_month(d), first_of_next_month(d), format_month(d)}; }

Period previous_month(Day today) {
  Day first = first_of_month(today);
  Day prev = first_of_month(first - std::chrono::days{1});
  return {prev, first, format_month(prev)};
}

Period month_to_date(Day today) {
  return {first_of_month(today), today + std::chrono::days{1}, "month to date (" + format_month(today) + ")"};
}

std::optional<Period> parse_period(std::string_view raw, Day today) {
  std::string text = text::to_lower(text::trim(raw));
  if (text.empty()) return std::nullopt;
  if (text == "mtd" || text == "month-to-date" || text == "this-month") return month_to_date(today);
  if (text == "last-month" || text == "previous-month" || text == "lastmonth") return previous_month(today);
  if (text == "today") return Period{today, today + std::chrono::days{1}, "today"};
  if (text == "yesterday") return Period{today - std::chrono::days{1}, today, "yesterday"};
  if (text.size() >= 2 && (text.back() == 'd' || text.back() == 'w')) {
    if (auto n = text::parse_int(text.substr(0, text.size() - 1)); n && *n > 0 && *n <= 3660) {
      long long days = text.back() == 'w' ? *n * 7 : *n;
      return Period{today - std::chrono::days{days - 1}, today + std::chrono::days{1},
                    "last " + std::to_string(days) + " days"};
    }
  }
  if (text.size() == 7 && text[4] == '-') {
    if (auto d = parse_day(text + "-01")) return month_of(*d);
  }
  if (auto sep = text.find(".."); sep != std::string::npos) {
    auto a = parse_day(text.substr(0, sep));
    auto b = parse_day(text.substr(sep + 2));
    if (a && b && *a <= *b)
      return Period{*a, *b + std::chrono::days{1}, format_day(*a) + " to " + format_day(*b)};
  }
  if (auto d = parse_day(text)) return Period{*d, *d + std::chrono::days{1}, format_day(*d)};
  return std::nullopt;
}

bool looks_like_period(std::string_view text) {
  return parse_period(text, Day{std::chrono::days{20000}}).has_value();
}

Period between(std::optional<Day> from, std::optional<Day> to_inclusive) {
  Day lo = from.value_or(Day{std::chrono::days{0}});                 // 1970-01-01
  Day hi = to_inclusive ? *to_inclusive + std::chrono::days{1} : Day{std::chrono::days{2932896}};  // 9999-12-31
  std::string label = (from ? format_day(*from) : std::string("start")) + " to " +
                      (to_inclusive ? format_day(*to_inclusive) : std::string("end"));
  if (!from && !to_inclusive) label = "all time";
  return {lo, hi, label};
}

}  // namespace costbot::query
