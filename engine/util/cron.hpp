#pragma once
// Cron expressions, the standard five fields evaluated in UTC:
//
//   minute (0-59)  hour (0-23)  day-of-month (1-31)  month (1-12 or JAN-DEC)  day-of-week (0-7 or SUN-SAT; 0 and 7 are Sunday)
//
// Each field is `*`, a value, a range `a-b`, a step `*/n`, `a-b/n` or `a/n` (a to the field's end),
// or a comma list of those; names are case-insensitive. Aliases: @yearly (@annually), @monthly,
// @weekly, @daily (@midnight), @hourly. As in Vixie cron, when both day fields are restricted (neither
// starts with `*`) a day matches if EITHER matches ("0 0 1,15 * MON" = the 1st, the 15th and
// every Monday); otherwise both must match.
//
// Hand-written: Debian 12 packages no C++ cron library (apt-cache search cron finds Go, Perl and
// Ruby ones only), and the grammar is small enough to own with a table of tests.
#include <bitset>
#include <optional>
#include <string>
#include <string_view>

#include "engine/util/time.hpp"

namespace costbot {

class CronExpression {
 public:
  // Throws Error(invalid_input) saying which field is wrong and why, e.g.
  // "hour: 24 is out of range 0-23" or "expected 5 fields (minute hour day-of-month month day-of-week), got 6".
  static CronExpression parse(std::string_view text);
  // The same, without throwing: nullopt and `error` set.
  static std::optional<CronExpression> try_parse(std::string_view text, std::string& error);

  // The first whole minute strictly after `t` that the expression matches.
  UnixSeconds next_after(UnixSeconds t) const;
  // True when the minute containing `t` matches.
  bool matches(UnixSeconds t) const;

  const std::string& text() const { return text_; }

 private:
  CronExpression() = default;
  bool day_matches(int day_of_month, unsigned day_of_week) const;

  std::string text_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_of_month_;  // 1..31
  std::bitset<13> months_;         // 1..12
  std::bitset<7> days_of_week_;    // 0 = Sunday
  bool day_of_month_star_ = true;  // the field started with '*'
  bool day_of_week_star_ = true;
};

}  // namespace costbot
