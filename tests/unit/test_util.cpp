#include <catch2/catch.hpp>

#include "engine/query/period.hpp"
#include "engine/util/format.hpp"
#include "engine/util/hash.hpp"
#include "engine/util/log.hpp"
#include "engine/util/strings.hpp"
#include "engine/util/time.hpp"

using namespace costbot;

TEST_CASE("instants in every form billing exports write parse to the same second", "[time]") {
  auto expected = *parse_instant("2024-09-18T22:00:00Z");
  CHECK(format_instant(expected) == "2024-09-18T22:00:00Z");
  CHECK(parse_instant("2024-09-18 22:00:00") == expected);
  CHECK(parse_instant("2024-09-18T22:00:00.000Z") == expected);
  CHECK(parse_instant("2024-09-18T23:00:00+01:00") == expected);
  CHECK(parse_instant("2024-09-18 22:00:00 UTC") == expected);
  CHECK(parse_instant("2024-09-18T22:00") == expected);
  CHECK(parse_instant("2024-09-18") == expected - 22 * 3600);
  CHECK_FALSE(parse_instant("2024-02-30"));
  CHECK_FALSE(parse_instant("2024-09-18X22:00:00"));
  CHECK_FALSE(parse_instant("yesterday"));
  CHECK_FALSE(parse_instant("2024-09-18 25:00:00"));
}

TEST_CASE("calendar helpers", "[time]") {
  auto d = *parse_day("2024-02-10");
  CHECK(days_in_month(d) == 29);
  CHECK(format_day(first_of_month(d)) == "2024-02-01");
  CHECK(format_day(first_of_next_month(d)) == "2024-03-01");
  CHECK(weekday(*parse_day("2024-09-18")) == 3);  // a Wednesday
}

TEST_CASE("periods people type", "[period]") {
  auto today = *parse_day("2024-09-18");
  using P = std::tuple<std::string, std::string, std::string>;
  auto [text, from, to] = GENERATE(table<std::string, std::string, std::string>({
      P{"7d", "2024-09-12", "2024-09-19"},
      P{"30d", "2024-08-20", "2024-09-19"},
      P{"mtd", "2024-09-01", "2024-09-19"},
      P{"last-month", "2024-08-01", "2024-09-01"},
      P{"2024-02", "2024-02-01", "2024-03-01"},
      P{"2024-09-01..2024-09-05", "2024-09-01", "2024-09-06"},
      P{"yesterday", "2024-09-17", "2024-09-18"},
  }));
  auto p = query::parse_period(text, today);
  REQUIRE(p);
  CHECK(format_day(p->from) == from);
  CHECK(format_day(p->to) == to);
}

TEST_CASE("bad periods are refused", "[period]") {
  auto today = *parse_day("2024-09-18");
  for (auto bad : {"", "0d", "-3d", "2024-13", "soon", "2024-09-05..2024-09-01"}) {
    INFO(bad);
    CHECK_FALSE(query::parse_period(bad, today));
  }
}

TEST_CASE("money, percentages and dates are written for people", "[format]") {
  CHECK(fmtx::money(12340) == "$12,340.00");
  CHECK(fmtx::money(12340.456, 0) == "$12,340");
  CHECK(fmtx::money(-5) == "-$5.00");
  CHECK(fmtx::money(1234567.891) == "$1,234,567.89");
  CHECK(fmtx::money(0.001) == "$0.00");
  CHECK(fmtx::money(10, 2, "EUR") == "10.00 EUR");
  CHECK(fmtx::money_short(12340) == "$12.3k");
  CHECK(fmtx::money_short(1234) == "$1,234");
  CHECK(fmtx::money_short(2500000) == "$2.5M");
  CHECK(fmtx::money_short(0.42) == "$0.42");
  CHECK(fmtx::percent_change(3.2) == "+320%");
  CHECK(fmtx::percent_change(-0.12) == "-12%");
  CHECK(fmtx::percent_change(0.045) == "+4.5%");
  CHECK(fmtx::percent(0.823) == "82%");
  CHECK(fmtx::day_short(*parse_day("2024-09-18")) == "Sep 18");
  CHECK(fmtx::day_long(*parse_day("2024-09-08")) == "Sep 8, 2024");
}

TEST_CASE("strings: suggestions, globs, strict numbers", "[strings]") {
  CHECK(text::closest("anomalys", {"anomalies", "approve", "budget"}) == std::optional<std::string>("anomalies"));
  CHECK_FALSE(text::closest("xyzzy", {"anomalies", "approve", "budget"}));
  CHECK(text::glob_match("payments-*", "payments-api-1"));
  CHECK(text::glob_match("*-prod-?", "web-prod-1"));
  CHECK_FALSE(text::glob_match("payments-*", "search-api"));
  CHECK(text::parse_double(" 1.5 ") == 1.5);
  CHECK_FALSE(text::parse_double("1.5x"));
  CHECK_FALSE(text::parse_int("12.5"));
  CHECK(text::split_words("  top   5 by  service ") == std::vector<std::string>{"top", "5", "by", "service"});
}

TEST_CASE("hashing and encoding", "[hash]") {
  CHECK(hash::sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // Slack's documented signing example (PROTOCOLS.md 1.1).
  std::string body =
      "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
  CHECK("v0=" + hash::hmac_sha256_hex("8f742231b10e8888abcd99yyyzzz85a5", "v0:1531420618:" + body) ==
        "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503");
  std::string decoded;
  REQUIRE(hash::base64_decode(hash::base64_encode("hello world!?"), decoded));
  CHECK(decoded == "hello world!?");
  REQUIRE(hash::base64url_decode(hash::base64url_encode("\xff\xfe\xfd"), decoded));
  CHECK(decoded == "\xff\xfe\xfd");
  CHECK_FALSE(hash::base64_decode("abc", decoded));
  CHECK(hash::equal_constant_time("abc", "abc"));
  CHECK_FALSE(hash::equal_constant_time("abc", "abd"));
}

TEST_CASE("registered secrets are redacted from every log line", "[log][secrets]") {
  log::register_secret("xoxb-super-secret-token");
  CHECK(log::redact("calling with xoxb-super-secret-token now") == "calling with [redacted] now");
}
