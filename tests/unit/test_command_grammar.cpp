#include <catch2/catch.hpp>

#include "bot/commands/command.hpp"

using namespace costbot;
using namespace costbot::commands;

TEST_CASE("the command grammar turns every documented form into a typed command", "[commands]") {
  SECTION("top with count, grouping and a period in any spelling") {
    auto [text, limit, by, period] = GENERATE(table<const char*, int, const char*, const char*>({
        {"top 5 last 7d", 5, "", "7d"},
        {"top 5 by team 30d", 5, "team", "30d"},
        {"TOP 3 BY Accounts mtd", 3, "account", "mtd"},
        {"top by service last-month", 0, "service", "last-month"},
        {"top 2024-09", 0, "", "2024-09"},
        {"top 10 last 7 days", 10, "", "7d"},
        {"top past 2 weeks", 0, "", "14d"},
        {"top this month", 0, "", "mtd"},
        {"top last month", 0, "", "last-month"},
        {"top", 0, "", ""},
    }));
    auto r = parse(text);
    INFO(text << " -> " << r.error.message);
    REQUIRE(r.ok());
    auto& top = std::get<Top>(*r.command);
    CHECK(top.limit.value_or(0) == limit);
    CHECK(std::string(top.by ? query::name_of(*top.by) : "") == by);
    CHECK(top.period == period);
  }
  SECTION("the other commands") {
    CHECK(std::get<TeamCost>(*parse("team Payments 30d").command).team == "Payments");
    CHECK(std::get<TeamCost>(*parse("team payments last 7d").command).period == "7d");
    auto anomalies = std::get<Anomalies>(*parse("anomalies all payments").command);
    CHECK(anomalies.all);
    CHECK(anomalies.team == "payments");
    CHECK_FALSE(std::get<Anomalies>(*parse("anomalies").command).all);
    CHECK(std::get<Budget>(*parse("budget platform").command).team == "platform");
    CHECK(std::get<Forecast>(*parse("forecast").command).team.empty());
    CHECK(std::get<Approvals>(*parse("approvals mine").command).mine);
    CHECK(std::get<Approve>(*parse("approve #42").command).id == 42);
    CHECK(std::get<Approve>(*parse("approve approval:7").command).id == 7);
    auto reject = std::get<Reject>(*parse("reject 42 Batch job runs until Friday").command);
    CHECK(reject.id == 42);
    CHECK(reject.reason == "Batch job runs until Friday");
    CHECK(std::get<RequestTicket>(*parse("request ticket 7").command).finding_id == 7);
    CHECK(std::get<RequestTicket>(*parse("request ticket F12").command).finding_id == 12);  // as lists show it
    CHECK(std::get<RequestTicket>(*parse("request ticket f12").command).finding_id == 12);
    CHECK(std::get<Subscribe>(*parse("subscribe CFO").command).persona == "cfo");
    CHECK(std::get<Unsubscribe>(*parse("unsubscribe").command).persona.empty());
    CHECK(std::get<Help>(*parse("help top").command).topic == "top");
    CHECK(std::holds_alternative<Help>(*parse("").command));
    CHECK(std::holds_alternative<Help>(*parse("   ").command));
    CHECK(std::holds_alternative<Top>(*parse("/cost top 5").command));
  }
}

TEST_CASE("a mistyped command names the closest one and a malformed one says what is wrong", "[commands]") {
  auto typo = parse("tpo 5");
  REQUIRE_FALSE(typo.ok());
  CHECK(typo.error.suggestion == "top");
  CHECK(typo.error.message.find("tpo") != std::string::npos);

  auto [text, command, fragment] = GENERATE(table<const char*, const char*, const char*>({
      {"top 500", "top", "between 1 and 50"},
      {"top by region", "top", "valid: service, team, account"},
      {"top 5 yesteryear", "top", "not a period"},
      {"team", "team", "which team"},
      {"approve banana", "approve", "not a request id"},
      {"approve", "approve", "which request"},
      {"request 7", "request", "expected \"ticket\""},
      {"subscribe", "subscribe", "which persona"},
      {"approvals yours", "approvals", "\"mine\""},
      {"help nosuch", "help", "no command"},
  }));
  auto r = parse(text);
  INFO(text);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error.command == command);
  CHECK(r.error.message.find(fragment) != std::string::npos);
}

TEST_CASE("to_text writes a command back in a form parse reads as the same command", "[commands]") {
  for (const char* text : {"top 5 by team 30d", "team payments mtd", "anomalies all payments", "approvals mine",
                           "reject 3 not now", "request ticket 9", "subscribe engineer", "unsubscribe", "help"}) {
    auto first = parse(text);
    REQUIRE(first.ok());
    auto again = parse(to_text(*first.command));
    REQUIRE(again.ok());
    CHECK(to_text(*again.command) == to_text(*first.command));
  }
}

TEST_CASE("the grammar survives hostile input", "[commands]") {
  std::string weird = "top \x01\xff\xfe 5 by \xc3\x28 \n\t last";
  auto r = parse(weird);
  CHECK_FALSE(r.ok());
  CHECK_FALSE(parse(std::string(10000, 'x')).ok());
  CHECK(parse("top 5 " + std::string(2000, ' ')).ok());
}
