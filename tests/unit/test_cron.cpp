#include <catch2/catch.hpp>

#include "engine/util/cron.hpp"
#include "engine/util/error.hpp"

using namespace costbot;

namespace {
UnixSeconds cron_at(const std::string& text) {
  auto t = parse_instant(text);
  REQUIRE(t);
  return *t;
}
}  // namespace

TEST_CASE("the next fire time follows cron semantics across hours, months, years and leap days", "[cron]") {
  auto [expression, from, expected] = GENERATE(table<std::string, std::string, std::string>({
      {"*/30 * * * *", "2024-09-18T10:07:00Z", "2024-09-18T10:30:00Z"},
      {"*/30 * * * *", "2024-09-18T10:30:00Z", "2024-09-18T11:00:00Z"},  // strictly after
      {"*/30 * * * *", "2024-09-18T10:29:59Z", "2024-09-18T10:30:00Z"},
      {"* * * * *", "2024-12-31T23:59:30Z", "2025-01-01T00:00:00Z"},
      {"0 0 1 * *", "2024-12-31T23:59:00Z", "2025-01-01T00:00:00Z"},
      {"59 23 31 12 *", "2024-12-31T23:59:00Z", "2025-12-31T23:59:00Z"},
      {"0 12 29 2 *", "2024-03-01T00:00:00Z", "2028-02-29T12:00:00Z"},
      {"0 0 31 * *", "2024-09-01T00:00:00Z", "2024-10-31T00:00:00Z"},  // September has no 31st
      {"0 9 * * MON-FRI", "2024-09-20T10:00:00Z", "2024-09-23T09:00:00Z"},  // Friday after 9 -> Monday
      {"0 8 * * mon", "2024-09-18T12:00:00Z", "2024-09-23T08:00:00Z"},      // names in any case
      {"0 0 * * 7", "2024-09-18T00:00:00Z", "2024-09-22T00:00:00Z"},        // 7 is Sunday
      {"0 22 * * 5-7", "2024-09-22T22:00:00Z", "2024-09-27T22:00:00Z"},     // Fri..Sun
      {"0 0 1,15 * MON", "2024-09-02T00:00:00Z", "2024-09-09T00:00:00Z"},   // both restricted: either day
      {"0 0 1,15 * MON", "2024-09-10T00:00:00Z", "2024-09-15T00:00:00Z"},
      {"0 0 */10 * MON", "2024-09-01T00:00:00Z", "2024-10-21T00:00:00Z"},   // '*' day-of-month: both
      {"30 4 * JAN,jul *", "2024-09-18T00:00:00Z", "2025-01-01T04:30:00Z"},
      {"5-10/2 * * * *", "2024-09-18T10:06:00Z", "2024-09-18T10:07:00Z"},
      {"5-10/2 * * * *", "2024-09-18T10:09:00Z", "2024-09-18T11:05:00Z"},
      {"15/20 * * * *", "2024-09-18T10:36:00Z", "2024-09-18T10:55:00Z"},    // a/n: from a to the end
      {"0 */6 * * *", "2024-09-18T19:00:00Z", "2024-09-19T00:00:00Z"},
      {"@hourly", "2024-09-18T10:07:00Z", "2024-09-18T11:00:00Z"},
      {"@daily", "2024-02-28T12:00:00Z", "2024-02-29T00:00:00Z"},
      {"@midnight", "2023-02-28T12:00:00Z", "2023-03-01T00:00:00Z"},
      {"@weekly", "2024-09-18T00:00:00Z", "2024-09-22T00:00:00Z"},
      {"@monthly", "2024-01-31T00:00:00Z", "2024-02-01T00:00:00Z"},
      {"@yearly", "2024-06-01T00:00:00Z", "2025-01-01T00:00:00Z"},
      {"@ANNUALLY", "2024-12-31T23:59:59Z", "2025-01-01T00:00:00Z"},
  }));
  INFO(expression << " after " << from);
  auto cron = CronExpression::parse(expression);
  CHECK(format_instant(cron.next_after(cron_at(from))) == expected);
  CHECK(cron.matches(cron_at(expected)));
}

TEST_CASE("a bad cron expression names the field and the problem", "[cron]") {
  auto [expression, expected] = GENERATE(table<std::string, std::string>({
      {"", "is empty"},
      {"* * * *", "expected 5 fields (minute hour day-of-month month day-of-week), got 4"},
      {"* * * * * *", "got 6"},
      {"60 * * * *", "minute: 60 is out of range 0-59"},
      {"* 24 * * *", "hour: 24 is out of range 0-23"},
      {"* * 0 * *", "day-of-month: 0 is out of range 1-31"},
      {"* * * 13 *", "month: 13 is out of range 1-12"},
      {"* * * * 8", "day-of-week: 8 is out of range 0-7"},
      {"* * * * MOX", "day-of-week: \"MOX\" is not a valid value (expected 0-7 or SUN-SAT)"},
      {"* * * JANUARY *", "month: \"JANUARY\" is not a valid value (expected 1-12 or JAN-DEC)"},
      {"*/0 * * * *", "minute: step 0 must be 1-59"},
      {"*/x * * * *", "minute: step \"x\" is not a whole number"},
      {"10-5 * * * *", "minute: range 10-5 runs backwards"},
      {"1,,2 * * * *", "minute: empty item in the list \"1,,2\""},
      {"-5 * * * *", "minute: a value is missing"},
      {"0 0 30 2 *", "never fire"},
      {"0 0 31 4,6,9,11 *", "never fire"},
      {"@reboot", "@reboot is not supported"},
      {"@often", "unknown alias \"@often\""},
  }));
  INFO("expression: \"" << expression << "\"");
  std::string error;
  CHECK_FALSE(CronExpression::try_parse(expression, error));
  CHECK_THAT(error, Catch::Contains(expected));
  CHECK_THROWS_AS(CronExpression::parse(expression), Error);
}

TEST_CASE("a cron expression matches exactly the minutes it fires", "[cron]") {
  auto cron = CronExpression::parse("*/15 9-17 * * MON-FRI");
  CHECK(cron.matches(cron_at("2024-09-18T09:00:00Z")));   // Wednesday
  CHECK(cron.matches(cron_at("2024-09-18T17:45:59Z")));   // any second of a matching minute
  CHECK_FALSE(cron.matches(cron_at("2024-09-18T17:46:00Z")));
  CHECK_FALSE(cron.matches(cron_at("2024-09-18T18:00:00Z")));
  CHECK_FALSE(cron.matches(cron_at("2024-09-21T09:00:00Z")));  // Saturday
  // Walking next_after from a point visits every match in order and nothing else.
  UnixSeconds t = cron_at("2024-09-20T16:50:00Z");
  std::vector<std::string> fires;
  for (int i = 0; i < 5; ++i) fires.push_back(format_instant(t = cron.next_after(t)));
  CHECK(fires == std::vector<std::string>{"2024-09-20T17:00:00Z", "2024-09-20T17:15:00Z", "2024-09-20T17:30:00Z",
                                          "2024-09-20T17:45:00Z", "2024-09-23T09:00:00Z"});
}

TEST_CASE("cron times are UTC minutes: no daylight-saving gaps or repeats", "[cron]") {
  // Around the US and EU clock changes every UTC hour exists exactly once.
  auto hourly = CronExpression::parse("0 * * * *");
  for (const char* from : {"2024-03-10T00:30:00Z", "2024-03-31T00:30:00Z", "2024-10-27T00:30:00Z", "2024-11-03T00:30:00Z"}) {
    UnixSeconds t = cron_at(from);
    for (int i = 0; i < 6; ++i) {
      UnixSeconds next = hourly.next_after(t);
      CHECK(next - t <= 3600);
      CHECK(next % 3600 == 0);
      t = next;
    }
  }
  auto two_thirty = CronExpression::parse("30 2 * * *");
  CHECK(format_instant(two_thirty.next_after(cron_at("2024-03-10T00:00:00Z"))) == "2024-03-10T02:30:00Z");
}
