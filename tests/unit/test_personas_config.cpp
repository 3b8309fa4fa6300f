#include <catch2/catch.hpp>

#include "engine/config/config.hpp"
#include "tests/support/config_issues.hpp"
#include "tests/support/test_support.hpp"

using namespace costbot;
using Catch::Contains;

namespace {

config::Config load(const std::string& yaml) {
  config::Config c;
  auto issues = config::check_text(yaml, &c);
  INFO(issues.to_string());
  REQUIRE(issues.empty());
  return c;
}

std::string all_issues(const std::string& yaml) {
  std::string out;
  for (const auto& i : testing::config_issues(yaml)) out += i + "\n";
  return out;
}

const std::string kTeams = "teams:\n  - name: payments\n  - name: platform\n";

}  // namespace

TEST_CASE("the four built-in personas exist without any config, with their defaults", "[personas][config]") {
  auto c = load("{}");
  REQUIRE(c.personas.names() == std::vector<std::string>{"cfo", "engineer", "finops_analyst", "eng_manager"});
  const auto* cfo = c.personas.find("cfo");
  REQUIRE(cfo);
  CHECK(cfo->builtin);
  CHECK(cfo->templates == "cfo");
  CHECK(cfo->min_severity == "high");
  CHECK(cfo->kinds == std::vector<std::string>{"cost_anomaly", "budget"});
  CHECK(cfo->deliver.web);
  CHECK(cfo->wants_digest("weekly"));
  CHECK_FALSE(cfo->wants_digest("daily"));
  const auto* manager = c.personas.find("eng_manager");
  CHECK(manager->frequency == "daily_digest");
  CHECK(manager->wants_digest("daily"));
  CHECK(c.personas.find("finops_analyst")->kinds.empty());  // every kind
  // A default-constructed config (tests, tools) has them too.
  CHECK(config::Config{}.personas.find("engineer") != nullptr);
}

TEST_CASE("config keys override a built-in persona one by one, and a new persona needs config only", "[personas][config]") {
  auto c = load(kTeams + R"(
personas:
  cfo:
    min_severity: critical
    deliver: {slack: ["#exec"], email: [cfo@example.com], web: false}
    quiet_hours: {from: "22:00", to: "07:00", timezone: Europe/Berlin}
  security_lead:
    description: spend on security tooling
    kinds: [waste, "budget_*"]
    min_severity: low
    frequency: weekly_digest
    scope: [platform]
    templates: engineer
  engineer:
    enabled: false
)");
  const auto* cfo = c.personas.find("cfo");
  CHECK(cfo->min_severity == "critical");
  CHECK(cfo->kinds == std::vector<std::string>{"cost_anomaly", "budget"});  // kept from the default
  CHECK(cfo->deliver.slack == std::vector<std::string>{"#exec"});
  CHECK_FALSE(cfo->deliver.web);
  CHECK(cfo->quiet_hours.enabled);
  CHECK(cfo->quiet_hours.start_minute == 22 * 60);
  CHECK(cfo->quiet_hours.end_minute == 7 * 60);
  CHECK(cfo->quiet_hours.breakthrough == "none");  // only a page breaks through unless asked
  CHECK(cfo->quiet_hours.text() == "22:00-07:00 Europe/Berlin");
  const auto* sec = c.personas.find("security_lead");
  REQUIRE(sec);
  CHECK_FALSE(sec->builtin);
  CHECK(sec->templates == "engineer");
  CHECK(sec->teams == std::vector<std::string>{"platform"});
  CHECK(sec->wants_digest("weekly"));
  CHECK(c.personas.names() == std::vector<std::string>{"cfo", "finops_analyst", "eng_manager", "security_lead"});
  CHECK(c.personas.names(false).size() == 5);
}

TEST_CASE("persona config errors name the key path and the valid choices", "[personas][config]") {
  SECTION("kinds") {
    auto issues = all_issues("personas:\n  cfo:\n    kinds: [cost_spkie]\n");
    CHECK_THAT(issues, Contains("personas.cfo.kinds: unknown finding kind \"cost_spkie\" (did you mean \"cost_spike\"?)"));
    CHECK_THAT(issues, Contains("valid: *, cost_anomaly, waste, budget, cost_spike"));
    CHECK_THAT(issues, Contains("idle_compute"));
  }
  SECTION("severity and frequency") {
    auto issues = all_issues("personas:\n  engineer:\n    min_severity: urgent\n    frequency: hourly\n");
    CHECK_THAT(issues, Contains("personas.engineer.min_severity: unknown value \"urgent\" (valid: low, medium, high, critical)"));
    CHECK_THAT(issues, Contains("personas.engineer.frequency: unknown value \"hourly\" (valid: real_time, daily_digest, weekly_digest)"));
  }
  SECTION("time zone and clock times") {
    auto issues = all_issues("personas:\n  cfo:\n    quiet_hours: {from: \"25:00\", to: \"7am\", timezone: Mars/Olympus}\n");
    CHECK_THAT(issues, Contains("personas.cfo.quiet_hours.from: expected a local time HH:MM"));
    CHECK_THAT(issues, Contains("personas.cfo.quiet_hours.to: expected a local time HH:MM such as 07:00, got \"7am\""));
    CHECK_THAT(issues, Contains("personas.cfo.quiet_hours.timezone: unknown time zone \"Mars/Olympus\""));
  }
  SECTION("quiet hours need a time zone and a window") {
    auto issues = all_issues("personas:\n  cfo:\n    quiet_hours: {from: \"08:00\"}\n");
    CHECK_THAT(issues, Contains("personas.cfo.quiet_hours.to: missing required key"));
    CHECK_THAT(issues, Contains("personas.cfo.quiet_hours.timezone: missing required key"));
  }
  SECTION("scope, targets and unknown keys") {
    auto issues = all_issues(kTeams + "personas:\n  eng_manager:\n    scope: [payment]\n    deliver: {email: [not-an-address], slak: [x]}\n");
    CHECK_THAT(issues, Contains("personas.eng_manager.scope: unknown team \"payment\" (valid: all, or teams from `teams`: payments, platform)"));
    CHECK_THAT(issues, Contains("personas.eng_manager.deliver.email: \"not-an-address\" is not an email address"));
    CHECK_THAT(issues, Contains("personas.eng_manager.deliver.slak"));
  }
  SECTION("persona names and escalation order") {
    auto issues = all_issues("personas:\n  Big Boss:\n    min_severity: high\nalerts:\n  escalation: {manager_after_hours: 5, director_after_hours: 3}\n");
    CHECK_THAT(issues, Contains("personas.Big Boss: a persona name is lower-case letters"));
    CHECK_THAT(issues, Contains("alerts.escalation.director_after_hours: must be later than manager_after_hours (5 h)"));
  }
  SECTION("pagerduty and email") {
    auto issues = all_issues("pagerduty: {events_url: ftp://x, min_severity: severe}\nemail: {smtp_url: http://mail, tls: maybe}\n");
    CHECK_THAT(issues, Contains("pagerduty.events_url: expected an http(s) URL"));
    CHECK_THAT(issues, Contains("pagerduty.min_severity: unknown value \"severe\""));
    CHECK_THAT(issues, Contains("email.smtp_url: expected smtp://HOST:PORT"));
    CHECK_THAT(issues, Contains("email.tls: unknown value \"maybe\" (valid: required, opportunistic, none)"));
  }
}

TEST_CASE("the example config defines the personas, a config-only persona and the alert sections", "[personas][config]") {
  config::Config c;
  auto issues = config::check(testing::source_path("config/costbot.example.yaml"), &c);
  INFO(issues.to_string());
  REQUIRE(issues.empty());
  REQUIRE(c.personas.find("platform_oncall"));
  CHECK(c.personas.find("platform_oncall")->deliver.pagerduty);
  CHECK(c.personas.find("cfo")->quiet_hours.timezone == "America/New_York");
  CHECK(c.alerts.escalation.manager_after_hours == 2);
  CHECK(c.schedules.find("alerts")->after == "detect");
  CHECK(c.schedules.find("alert_escalation")->cron == "*/5 * * * *");
}
