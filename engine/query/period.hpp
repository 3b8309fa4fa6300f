#pragma once
// A half-open range of days [from, to) with a human label, parsed from the forms people type:
// 7d, 30d, 90d, mtd, last-month, 2024-09, 2024-09-01..2024-09-15, today, yesterday.
#include <optional>
#include <string>
#include <string_view>

#include "engine/util/time.hpp"

namespace costbot::query {

struct Period {
  Day from;
  Day to;  // exclusive
  std::string label;
  int days() const { return (to - from).count(); }
  bool contains(Day d) const { return d >= from && d < to; }
};

// "7d" is the 7 days ending with `today` (included: today's billing data is partial but real).
std::optional<Period> parse_period(std::string_view text, Day today);
bool looks_like_period(std::string_view text);
// A period from optional --from/--to days (inclusive --to, as people write it); open ends cover all.
Period between(std::optional<Day> from, std::optional<Day> to_inclusive);
Period month_of(Day d);
Period previous_month(Day today);
Period month_to_date(Day today);

}  // namespace costbot::query
