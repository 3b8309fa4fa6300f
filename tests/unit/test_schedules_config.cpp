#include <catch2/catch.hpp>

#include "engine/config/config.hpp"
#include "tests/support/config_issues.hpp"
#include "tests/support/test_support.hpp"

using namespace costbot;

TEST_CASE("every job has a default schedule and the example config documents them", "[config][scheduler]") {
  config::Config defaults;
  REQUIRE(config::check_text("{}", &defaults).empty());
  CHECK(defaults.schedules.find("ingest")->cron == "*/30 * * * *");
  CHECK(defaults.schedules.find("detect")->cron.empty());
  CHECK(defaults.schedules.find("detect")->after == "ingest");
  CHECK(defaults.schedules.find("approvals_sla")->cron == "* * * * *");
  CHECK(defaults.schedules.find("daily_digest")->enabled);
  CHECK(defaults.schedules.find("weekly_digest")->cron == "0 8 * * MON");

  config::Config example;
  auto issues = config::check(testing::source_path("config/costbot.example.yaml"), &example);
  INFO(issues.to_string());
  REQUIRE(issues.empty());
  auto text = testing::read_file(testing::source_path("config/costbot.example.yaml"));
  for (const auto& [name, schedule] : example.schedules.jobs) {
    INFO(name);
    CHECK(text.find("\n  " + name + ":") != std::string::npos);  // each job has its documented key
  }
  CHECK(example.schedules.find("ingest")->cron == "*/30 * * * *");
  CHECK(example.schedules.find("detect")->after == "ingest");
}

TEST_CASE("a job's keys override only what they set", "[config][scheduler]") {
  config::Config c;
  auto issues = config::check_text(R"(
schedules:
  ingest:
    cron: "@hourly"
  daily_digest:
    enabled: false
  detect:
    cron: "0 */6 * * *"
)",
                                   &c);
  INFO(issues.to_string());
  REQUIRE(issues.empty());
  CHECK(c.schedules.find("ingest")->cron == "@hourly");
  CHECK(c.schedules.find("ingest")->enabled);
  CHECK_FALSE(c.schedules.find("daily_digest")->enabled);
  CHECK(c.schedules.find("daily_digest")->cron == "0 8 * * *");
  CHECK(c.schedules.find("detect")->cron == "0 */6 * * *");
  CHECK(c.schedules.find("detect")->after == "ingest");  // still follows ingest too
}

TEST_CASE("schedule errors name the key path and the problem", "[config][scheduler]") {
  auto [yaml, expected] = GENERATE(table<std::string, std::string>({
      {"schedules:\n  ingest:\n    cron: \"*/61 * * * *\"\n",
       "schedules.ingest.cron: \"*/61 * * * *\" is not a valid cron expression: minute: step 61 must be 1-59"},
      {"schedules:\n  approvals_sla:\n    cron: \"* * * *\"\n",
       "schedules.approvals_sla.cron: \"* * * *\" is not a valid cron expression: expected 5 fields"},
      {"schedules:\n  weekly_digest:\n    cron: \"0 8 * * MONDAY\"\n",
       "schedules.weekly_digest.cron: \"0 8 * * MONDAY\" is not a valid cron expression: day-of-week: \"MONDAY\" is not a valid value"},
      {"schedules:\n  detect:\n    after: ingset\n", "schedules.detect.after: unknown job \"ingset\" (did you mean \"ingest\"?)"},
      {"schedules:\n  detect:\n    after: detect\n", "schedules.detect.after: a job cannot run after itself"},
      {"schedules:\n  ingets:\n    cron: \"@daily\"\n", "schedules.ingets: unknown key (did you mean \"ingest\"?)"},
      {"schedules:\n  ingest:\n    enabled: sometimes\n", "schedules.ingest.enabled: expected true or false"},
      {"schedules:\n  ingest:\n    crontab: \"@daily\"\n", "schedules.ingest.crontab: unknown key (did you mean \"cron\"?)"},
      {"schedules:\n  detect:\n    after: \"\"\n", "schedules.detect: needs cron (a time schedule) or after (a job it follows), or enabled: false"},
      {"schedules:\n  ingest:\n    after: detect\n", "schedules.ingest: `after` makes a cycle"},
      {"schedules:\n  ingest: \"*/5 * * * *\"\n", "schedules.ingest"},
  }));
  auto issues = testing::config_issues(yaml);
  INFO(yaml);
  REQUIRE_FALSE(issues.empty());
  bool found = false;
  for (const auto& issue : issues) found = found || issue.find(expected) != std::string::npos;
  INFO("issues: " << issues.front() << (issues.size() > 1 ? " | " + issues.back() : ""));
  CHECK(found);
}

TEST_CASE("a disabled job needs no trigger", "[config][scheduler]") {
  auto issues = testing::config_issues("schedules:\n  detect:\n    after: \"\"\n    enabled: false\n");
  CHECK(issues.empty());
}
