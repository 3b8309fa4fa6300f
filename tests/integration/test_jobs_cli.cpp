// `costbot jobs`: the real binary against a real database file.
#include <boost/json.hpp>

#include <catch2/catch.hpp>

#include <map>

#include "tests/support/test_support.hpp"

using namespace costbot;
using testing::run_costbot;
namespace json = boost::json;

namespace {

struct JobsCli {
  testing::TempDir dir;
  std::string db = dir.file("costbot.db");
  std::string config;  // empty: the example config
  testing::RunResult operator()(std::vector<std::string> args, const std::string& now = "2024-09-18T10:07:00Z") {
    args.insert(args.begin(), {"--db", db});
    if (!config.empty()) args.insert(args.begin(), {"--config", config});
    return run_costbot(args, {"COSTBOT_NOW=" + now});
  }
};

json::array parse_array(const std::string& text) {
  auto v = json::parse(text);
  REQUIRE(v.is_array());
  return v.as_array();
}

std::string field_text(const json::value& v, const char* key) { return std::string(v.at(key).as_string()); }

}  // namespace

TEST_CASE("costbot jobs lists runs with duration and outcome, jobs run runs one now", "[jobs][cli]") {
  JobsCli cli;
  cli.config = cli.dir.write("costbot.yaml", "ingest:\n  sources:\n    - name: focus-sample\n      type: focus\n      paths: [\"" +
                                                 testing::source_path("tests/fixtures/focus/*.csv") + "\"]\n");
  auto empty = cli({"jobs"});
  REQUIRE(empty.exit_code == 0);
  CHECK_THAT(empty.out, Catch::Contains("(no job runs yet"));

  auto first = cli({"jobs", "run", "ingest"});
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  CHECK_THAT(first.out, Catch::Contains("ingest (manual): succeeded in "));
  CHECK_THAT(first.out, Catch::Contains("1 ingested (1000 rows, 0 rejected)"));
  auto again = cli({"jobs", "run", "ingest"});
  REQUIRE(again.exit_code == 0);
  CHECK_THAT(again.out, Catch::Contains("0 ingested (0 rows, 0 rejected), 1 unchanged"));
  auto sla = cli({"jobs", "run", "approvals_sla"});
  REQUIRE(sla.exit_code == 0);
  CHECK_THAT(sla.out, Catch::Contains("approvals_sla (manual): succeeded"));
  CHECK_THAT(sla.out, Catch::Contains("no escalation due"));

  auto listed = cli({"jobs", "--format", "json"});
  REQUIRE(listed.exit_code == 0);
  auto runs = parse_array(listed.out);
  // Newest first: the SLA run, the unchanged ingest, the detection the first ingest triggered
  // (it landed data), the first ingest.
  REQUIRE(runs.size() == 4);
  CHECK(field_text(runs[0], "job") == "approvals_sla");
  CHECK(field_text(runs[1], "job") == "ingest");
  CHECK(field_text(runs[2], "job") == "detect");
  CHECK(field_text(runs[2], "trigger") == "after:ingest");
  CHECK(field_text(runs[3], "job") == "ingest");
  for (const auto& r : runs) {
    CHECK(field_text(r, "outcome") == "succeeded");
    if (field_text(r, "job") != "detect") CHECK(field_text(r, "trigger") == "manual");
    CHECK(field_text(r, "started_at") == "2024-09-18T10:07:00Z");
    CHECK(r.at("duration_ms").as_int64() >= 0);
  }
  CHECK(runs[3].at("changed_data").as_bool());
  CHECK_FALSE(runs[1].at("changed_data").as_bool());

  auto one = cli({"jobs", "--job", "ingest", "--limit", "1", "--format", "json"});
  REQUIRE(one.exit_code == 0);
  auto only = parse_array(one.out);
  REQUIRE(only.size() == 1);
  CHECK(only[0].at("id").as_int64() == runs[1].at("id").as_int64());

  auto table = cli({"jobs"});
  REQUIRE(table.exit_code == 0);
  CHECK_THAT(table.out, Catch::Contains("duration"));
  CHECK_THAT(table.out, Catch::Contains("outcome"));
  CHECK_THAT(table.out, Catch::Contains("detect         after:ingest  2024-09-18T10:07:00Z"));
}

TEST_CASE("a failing job exits non-zero, says why and is listed as failed", "[jobs][cli]") {
  JobsCli cli;
  cli.config = cli.dir.write("costbot.yaml", R"(
ingest:
  sources:
    - name: exports
      type: focus
      paths: ["/nonexistent/exports/*.csv"]
)");
  auto run = cli({"jobs", "run", "ingest"});
  CHECK(run.exit_code == 1);
  CHECK_THAT(run.out, Catch::Contains("ingest (manual): failed"));
  CHECK_THAT(run.err, Catch::Contains("source exports: no file matches /nonexistent/exports/*.csv"));
  auto listed = cli({"jobs", "--format", "json"});
  auto runs = parse_array(listed.out);
  REQUIRE(runs.size() == 1);
  CHECK(field_text(runs[0], "outcome") == "failed");
  CHECK_THAT(field_text(runs[0], "message"), Catch::Contains("no file matches"));
}

TEST_CASE("jobs run names an unknown job and one this build does not have", "[jobs][cli]") {
  JobsCli cli;
  auto typo = cli({"jobs", "run", "ingset"});
  CHECK(typo.exit_code == 2);
  CHECK_THAT(typo.err, Catch::Contains("no job named \"ingset\" (did you mean \"ingest\"?)"));

  auto schedule = cli({"jobs", "schedule", "--format", "json"});
  REQUIRE(schedule.exit_code == 0);
  for (const auto& job : parse_array(schedule.out)) {
    if (field_text(job, "state") != "not in this build") continue;
    // Configured (detect, digests) but not built yet: a clear error, not a silent success.
    auto missing = cli({"jobs", "run", field_text(job, "job")});
    CHECK(missing.exit_code == 2);
    CHECK_THAT(missing.err, Catch::Contains("is configured in schedules but not part of this build yet"));
  }
}

TEST_CASE("jobs schedule shows each job's trigger, next run and state", "[jobs][cli]") {
  JobsCli cli;
  cli.config = cli.dir.write("costbot.yaml", R"(
schedules:
  ingest:
    cron: "0 */6 * * *"
  approvals_sla:
    enabled: false
)");
  auto r = cli({"jobs", "schedule", "--format", "json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  std::map<std::string, json::value> by_name;
  for (const auto& j : parse_array(r.out)) by_name[field_text(j, "job")] = j;
  REQUIRE(by_name.count("ingest"));
  CHECK(field_text(by_name["ingest"], "schedule") == "0 */6 * * *");
  CHECK(field_text(by_name["ingest"], "next_run") == "2024-09-18T12:00:00Z");
  CHECK(field_text(by_name["ingest"], "state") == "enabled");
  REQUIRE(by_name.count("approvals_sla"));
  CHECK(field_text(by_name["approvals_sla"], "state") == "disabled");
  CHECK(field_text(by_name["approvals_sla"], "next_run") == "-");
  REQUIRE(by_name.count("detect"));
  CHECK_THAT(field_text(by_name["detect"], "schedule"), Catch::Contains("after ingest"));

  auto table = cli({"jobs", "schedule"});
  REQUIRE(table.exit_code == 0);
  CHECK_THAT(table.out, Catch::Contains("schedule (UTC)"));
}

TEST_CASE("a bad schedule in the config is reported with its key path", "[jobs][cli]") {
  JobsCli cli;
  cli.config = cli.dir.write("costbot.yaml", "schedules:\n  ingest:\n    cron: \"*/90 * * * *\"\n");
  for (auto args : {std::vector<std::string>{"jobs", "schedule"}, std::vector<std::string>{"jobs", "run", "ingest"}}) {
    auto r = cli(args);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("schedules.ingest.cron: \"*/90 * * * *\" is not a valid cron expression: minute: step 90"));
  }
}
