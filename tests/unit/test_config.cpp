#include <catch2/catch.hpp>

#include "engine/config/config.hpp"
#include "engine/config/reader.hpp"
#include "tests/support/config_issues.hpp"
#include "tests/support/test_support.hpp"

using namespace costbot;

TEST_CASE("the example config is valid as shipped", "[config]") {
  auto issues = config::check(testing::source_path("config/costbot.example.yaml"));
  INFO(issues.to_string());
  CHECK(issues.empty());
}

TEST_CASE("a wrong type is reported with its full path and the value found", "[config]") {
  auto issues = testing::config_issues(R"(
teams:
  - name: a
  - name: b
  - name: c
    budget:
      monthly: lots
)");
  REQUIRE(issues.size() == 1);
  CHECK(issues[0] == "teams[2].budget.monthly: expected a number, got \"lots\"");
}

TEST_CASE("unknown keys are reported with a suggestion", "[config]") {
  auto issues = testing::config_issues("databse:\n  path: x.db\nlogging:\n  lvel: info\n");
  REQUIRE(issues.size() == 2);
  CHECK(issues[0] == "logging.lvel: unknown key (did you mean \"level\"?)");
  CHECK(issues[1] == "databse: unknown key (did you mean \"database\"?)");
}

TEST_CASE("missing required keys and bad choices name the valid values", "[config]") {
  auto issues = testing::config_issues(R"(
ingest:
  sources:
    - name: x
      type: parquet
    - type: focus
      paths: a.csv
logging:
  format: xml
)");
  CHECK_THAT(config::check_text("ingest:\n  sources:\n    - name: x\n      type: parquet\n").to_string(),
             Catch::Contains("ingest.sources[0].type: unknown value \"parquet\" (valid: focus, cur, azure, gcp, usage)"));
  CHECK(std::find(issues.begin(), issues.end(),
                  "ingest.sources[0].paths: a source needs paths (files) or a location (a cloud URL)") != issues.end());
  CHECK(std::find(issues.begin(), issues.end(), "ingest.sources[1].name: missing required key") != issues.end());
  CHECK(std::find(issues.begin(), issues.end(), "logging.format: unknown value \"xml\" (valid: text, json)") !=
        issues.end());
}

TEST_CASE("invalid YAML is one clear issue with the line", "[config]") {
  auto issues = testing::config_issues("teams: [a, b\n");
  REQUIRE(issues.size() == 1);
  CHECK_THAT(issues[0], Catch::Contains("not valid YAML") && Catch::Contains("line"));
}

TEST_CASE("the top level must be a mapping", "[config]") {
  auto issues = testing::config_issues("- a\n- b\n");
  REQUIRE(issues.size() == 1);
  CHECK_THAT(issues[0], Catch::Contains("expected a mapping"));
}

TEST_CASE("secrets come from the environment or a file, never inline by accident", "[config][secrets]") {
  testing::TempDir dir;
  auto file = dir.write("token", "file-secret-value\n");
  config::Issues issues;
  YAML::Node node = YAML::Load("a: {env: COSTBOT_TEST_SECRET_A}\nb: {file: " + file +
                               "}\nc: {env: COSTBOT_TEST_UNSET_VAR}\nd: {vault: x}\n");
  setenv("COSTBOT_TEST_SECRET_A", "env-secret-value", 1);
  config::Reader r(node, "slack", issues);
  config::Secret a, b, c, d, e;
  CHECK(r.secret("a", a));
  CHECK(a.reveal() == "env-secret-value");
  CHECK(a.source() == "env COSTBOT_TEST_SECRET_A");
  CHECK(r.secret("b", b));
  CHECK(b.reveal() == "file-secret-value");
  CHECK_FALSE(r.secret("c", c));
  CHECK_FALSE(r.secret("d", d));
  setenv("COSTBOT_TEST_FALLBACK", "fallback-value", 1);
  CHECK(r.secret("missing", e, "COSTBOT_TEST_FALLBACK"));
  CHECK(e.reveal() == "fallback-value");
  r.finish();
  auto text = issues.to_string();
  CHECK_THAT(text, Catch::Contains("slack.c.env: environment variable COSTBOT_TEST_UNSET_VAR is not set"));
  CHECK_THAT(text, Catch::Contains("slack.d.vault: unknown key"));
}
