// AWS billing exports pulled from S3: s3rver (the npm S3 emulator) behind a proxy that recomputes
// every SigV4 signature with @smithy/signature-v4 (tests/aws). Multi-part CUR 2.0 and FOCUS
// exports with manifests over several listing pages, restatements, and the failures a real
// bucket produces: a wrong secret, access denied halfway, a truncated gzip part, a manifest
// naming a missing object, a connection cut mid-object, expired credentials, Parquet.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "bot/sources/remote_sources.hpp"
#include "engine/ingest/remote_source.hpp"
#include "tests/support/ingest_support.hpp"
#include "tests/support/s3_emulator.hpp"

using namespace costbot;
using ingest::RunStatus;
using ingest::SourceType;
using testing::FocusRow;

namespace {

std::string read_fixture_text(const std::string& relative) {
  std::ifstream in(testing::source_path(relative));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Lines of the CUR 2.0 fixture: header + 8 data rows.
std::vector<std::string> cur_fixture_lines() {
  std::vector<std::string> lines;
  std::istringstream in(read_fixture_text("tests/fixtures/cur/cur2_2024-09.csv"));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

struct S3Fixture {
  testing::IngestFixture f;
  testing::S3Emulator s3;
  std::string key_env, secret_env;
  sources::RemoteSources remote{f.config, f.clock};

  S3Fixture() {
    static int counter = 0;
    ++counter;
    key_env = "COSTBOT_TEST_S3_KEY_" + std::to_string(counter);
    secret_env = "COSTBOT_TEST_S3_SECRET_" + std::to_string(counter);
    ::setenv(key_env.c_str(), s3.access_key_id().c_str(), 1);
    ::setenv(secret_env.c_str(), s3.secret().c_str(), 1);
    f.clock.set(std::chrono::system_clock::to_time_t(std::chrono::system_clock::now()));  // s3rver checks x-amz-date
  }
  std::string location(const std::string& prefix, const std::string& extra = "") const {
    return "s3://" + s3.bucket() + "/" + prefix + "?endpoint=" + s3.endpoint() + "&access_key_id_env=" + key_env +
           "&secret_access_key_env=" + secret_env + "&page_size=2" + extra;
  }
  std::vector<ingest::FileResult> sync(SourceType type, const std::string& url, ingest::SyncOptions options = {}) {
    auto l = ingest::parse_remote_location(url, type, "aws-test");
    REQUIRE(l);
    return ingest::sync_remote_location(f.db, f.config, *l, remote.registry(), f.clock, options);
  }
};

std::string data_exports_manifest(const std::string& bucket, const std::string& execution,
                                  const std::vector<std::string>& keys) {
  std::string files;
  for (const auto& k : keys) files += (files.empty() ? "\"s3://" : ",\"s3://") + bucket + "/" + k + "\"";
  return R"({"executionId":")" + execution + R"(","exportArn":"arn:aws:bcm-data-exports:us-east-1:111122223333:export/cur2",)" +
         R"("columns":[],"dataFiles":[)" + files + "]}";
}

// Puts a Data Exports delivery: parts under data/, the manifest under metadata/.
void put_cur2_period(testing::S3Emulator& s3, const std::string& period, const std::string& execution,
                     const std::vector<std::string>& parts) {
  std::vector<std::string> keys;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    std::string key = "exports/cur2/data/BILLING_PERIOD=" + period + "/cur2-0000" + std::to_string(i + 1) + ".csv.gz";
    s3.put(key, testing::gzip_bytes(parts[i]));
    keys.push_back(key);
  }
  s3.put("exports/cur2/metadata/BILLING_PERIOD=" + period + "/cur2-Manifest.json",
         data_exports_manifest(s3.bucket(), execution, keys));
}

// The fixture's 8 rows dealt into `count` parts, each with the header.
std::vector<std::string> cur_parts(std::size_t count, std::size_t rows = 8) {
  auto lines = cur_fixture_lines();
  std::vector<std::string> parts(count, lines[0] + "\n");
  for (std::size_t i = 1; i < lines.size() && i <= rows; ++i) parts[(i - 1) % count] += lines[i] + "\n";
  return parts;
}

// What the same rows give when read from a local file: the reference for remote totals.
double local_billed_total(SourceType type, const std::vector<std::string>& parts) {
  testing::IngestFixture local;
  std::string all;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    std::string p = parts[i];
    if (i > 0) p = p.substr(p.find('\n') + 1);  // one header
    all += p;
  }
  auto r = local.ingest(type, local.dir.write("all.csv", all));
  REQUIRE(r.status == RunStatus::succeeded);
  return testing::billed_total(local.db);
}

std::size_t count_status(const std::vector<ingest::FileResult>& results, RunStatus status) {
  std::size_t n = 0;
  for (const auto& r : results) n += r.status == status;
  return n;
}

}  // namespace

TEST_CASE("S3: the verifying proxy refuses a wrong secret, and accepts the right one", "[s3][aws]") {
  S3Fixture x;
  put_cur2_period(x.s3, "2024-09", "exec-1", cur_parts(2));
  ::setenv(x.secret_env.c_str(), "not-the-secret", 1);
  auto refused = x.sync(SourceType::cur, x.location("exports/cur2/"));
  REQUIRE(refused.size() == 1);
  CHECK(refused[0].status == RunStatus::failed);
  CHECK_THAT(refused[0].error, Catch::Contains("signature was refused") && Catch::Contains("secret access key"));
  CHECK_THAT(refused[0].error, !Catch::Contains("not-the-secret"));
  CHECK(testing::billed_total(x.f.db) == 0);

  ::setenv(x.secret_env.c_str(), x.s3.secret().c_str(), 1);
  auto accepted = x.sync(SourceType::cur, x.location("exports/cur2/"));
  REQUIRE(accepted.size() == 1);
  CHECK(accepted[0].status == RunStatus::succeeded);
}

TEST_CASE("S3: a multi-part CUR 2.0 Data Export with manifests, listed over several pages, restatement replaces",
          "[s3][aws]") {
  S3Fixture x;
  auto september = cur_parts(3);
  put_cur2_period(x.s3, "2024-09", "exec-1", september);
  auto results = x.sync(SourceType::cur, x.location("exports/cur2/"));
  REQUIRE(results.size() == 1);
  INFO(results[0].error);
  REQUIRE(results[0].status == RunStatus::succeeded);
  CHECK(results[0].rows_read == 8);
  CHECK(results[0].path == "s3://billing/exports/cur2/metadata/BILLING_PERIOD=2024-09/cur2-Manifest.json");
  const double full = local_billed_total(SourceType::cur, september);
  CHECK(testing::billed_total(x.f.db) == Approx(full));
  CHECK_THAT(x.s3.stats(), Catch::Contains("\"listings\":2"));  // 4 objects, 2 per page

  // Nothing new: skipped without reading the parts again.
  auto again = x.sync(SourceType::cur, x.location("exports/cur2/"));
  REQUIRE(again.size() == 1);
  CHECK(again[0].status == RunStatus::unchanged);
  CHECK(testing::billed_total(x.f.db) == Approx(full));

  // AWS restates September with fewer rows in two parts (the third part is gone): replaced whole.
  x.s3.remove("exports/cur2/data/BILLING_PERIOD=2024-09/cur2-00003.csv.gz");
  auto restated = cur_parts(2, 5);
  put_cur2_period(x.s3, "2024-09", "exec-2", restated);
  auto third = x.sync(SourceType::cur, x.location("exports/cur2/"));
  REQUIRE(third.size() == 1);
  INFO(third[0].error);
  REQUIRE(third[0].status == RunStatus::succeeded);
  CHECK(testing::billed_total(x.f.db) == Approx(local_billed_total(SourceType::cur, restated)));
  CHECK(testing::billed_total(x.f.db) != Approx(full));
  CHECK(x.f.db.sql().execAndGet("SELECT SUM(row_count) FROM cost_daily").getInt64() == 5);
}

TEST_CASE("S3: a FOCUS export with manifests, two billing periods, oldest first", "[s3][aws]") {
  S3Fixture x;
  auto aug = testing::focus_csv({{.billed = "10", .start = "2024-08-03T00:00:00Z"}, {.billed = "5", .start = "2024-08-04T00:00:00Z"}});
  auto sep1 = testing::focus_csv({{.billed = "7", .start = "2024-09-01T00:00:00Z"}});
  auto sep2 = testing::focus_csv({{.billed = "3", .start = "2024-09-02T00:00:00Z", .account = "acct-2"}});
  auto put_focus = [&](const std::string& period, const std::string& exec, const std::vector<std::string>& parts) {
    std::vector<std::string> keys;
    for (std::size_t i = 0; i < parts.size(); ++i) {
      keys.push_back("focus/data/BILLING_PERIOD=" + period + "/focus-0000" + std::to_string(i + 1) + ".csv.gz");
      x.s3.put(keys.back(), testing::gzip_bytes(parts[i]));
    }
    x.s3.put("focus/metadata/BILLING_PERIOD=" + period + "/focus-Manifest.json",
             data_exports_manifest(x.s3.bucket(), exec, keys));
  };
  put_focus("2024-08", "e-aug", {aug});
  put_focus("2024-09", "e-sep", {sep1, sep2});
  std::vector<std::string> seen;
  ingest::SyncOptions options;
  options.on_progress = [&](const ingest::SyncProgress& p) {
    if (p.finished) seen.push_back(p.period);
  };
  auto results = x.sync(SourceType::focus, x.location("focus/"), options);
  REQUIRE(count_status(results, RunStatus::succeeded) == 2);
  CHECK(seen == std::vector<std::string>{"2024-08", "2024-09"});
  CHECK(testing::billed_total(x.f.db) == Approx(25));
  CHECK(testing::billed_total(x.f.db, "day >= '2024-09-01'") == Approx(10));

  // Backfill window: only periods from September on are considered.
  options.force = true;
  options.from_period = "2024-09";
  auto only_sep = x.sync(SourceType::focus, x.location("focus/"), options);
  REQUIRE(only_sep.size() == 1);
  CHECK(only_sep[0].status == RunStatus::succeeded);
  CHECK(testing::billed_total(x.f.db) == Approx(25));
}

TEST_CASE("S3: without a manifest every .csv.gz under the prefix is ingested, grouped by period", "[s3][aws]") {
  S3Fixture x;
  x.s3.put("plain/year=2024/month=9/a.csv.gz", testing::gzip_bytes(testing::focus_csv({{.billed = "2"}})));
  x.s3.put("plain/year=2024/month=9/b.csv", testing::focus_csv({{.billed = "3", .account = "acct-9"}}));
  x.s3.put("plain/readme.txt", "not billing data");
  auto results = x.sync(SourceType::focus, x.location("plain/"));
  REQUIRE(results.size() == 1);
  INFO(results[0].error);
  CHECK(results[0].status == RunStatus::succeeded);
  CHECK(results[0].rows_read == 2);
  CHECK(testing::billed_total(x.f.db) == Approx(5));
}

TEST_CASE("S3: bad input names the object, keeps the period's previous data, and the next run resumes", "[s3][aws]") {
  S3Fixture x;
  auto parts = cur_parts(3);
  put_cur2_period(x.s3, "2024-09", "exec-1", parts);
  REQUIRE(x.sync(SourceType::cur, x.location("exports/cur2/"))[0].status == RunStatus::succeeded);
  const auto before = testing::snapshot(x.f.db);
  const std::string part2 = "exports/cur2/data/BILLING_PERIOD=2024-09/cur2-00002.csv.gz";

  SECTION("access denied halfway: the permission and the object are named") {
    put_cur2_period(x.s3, "2024-09", "exec-2", cur_parts(3, 7));
    x.s3.faults(R"({"deny":"cur2-00002"})");
    auto r = x.sync(SourceType::cur, x.location("exports/cur2/"));
    REQUIRE(r.size() == 1);
    CHECK(r[0].status == RunStatus::failed);
    CHECK_THAT(r[0].error, Catch::Contains("access denied") && Catch::Contains("s3:GetObject") &&
                               Catch::Contains("s3://billing/" + part2));
    CHECK(testing::snapshot(x.f.db) == before);
    x.s3.faults("{}");
    auto next = x.sync(SourceType::cur, x.location("exports/cur2/"));
    CHECK(next[0].status == RunStatus::succeeded);
    CHECK(x.f.db.sql().execAndGet("SELECT SUM(row_count) FROM cost_daily").getInt64() == 7);
  }
  SECTION("a truncated gzip part") {
    auto restated = cur_parts(3, 7);
    put_cur2_period(x.s3, "2024-09", "exec-2", restated);
    auto gz = testing::gzip_bytes(restated[1]);
    x.s3.put(part2, gz.substr(0, gz.size() / 2));
    auto r = x.sync(SourceType::cur, x.location("exports/cur2/"));
    REQUIRE(r.size() == 1);
    CHECK(r[0].status == RunStatus::failed);
    CHECK_THAT(r[0].error, Catch::Contains("s3://billing/" + part2) && Catch::Contains("truncated gzip"));
    CHECK(testing::snapshot(x.f.db) == before);
    x.s3.put(part2, gz);
    CHECK(x.sync(SourceType::cur, x.location("exports/cur2/"))[0].status == RunStatus::succeeded);
    CHECK(x.f.db.sql().execAndGet("SELECT SUM(row_count) FROM cost_daily").getInt64() == 7);
  }
  SECTION("a manifest naming an object that does not exist") {
    x.s3.put("exports/cur2/metadata/BILLING_PERIOD=2024-09/cur2-Manifest.json",
             data_exports_manifest("billing", "exec-3", {"exports/cur2/data/BILLING_PERIOD=2024-09/cur2-00009.csv.gz"}));
    auto r = x.sync(SourceType::cur, x.location("exports/cur2/"));
    REQUIRE(r.size() == 1);
    CHECK(r[0].status == RunStatus::failed);
    CHECK_THAT(r[0].error, Catch::Contains("cur2-00009.csv.gz") && Catch::Contains("not in the bucket"));
    CHECK(testing::snapshot(x.f.db) == before);
  }
  SECTION("Parquet: refused with the CSV export option named") {
    x.s3.put("exports/cur2/metadata/BILLING_PERIOD=2024-10/cur2-Manifest.json",
             data_exports_manifest("billing", "exec-p", {"exports/cur2/data/BILLING_PERIOD=2024-10/cur2-00001.snappy.parquet"}));
    x.s3.put("exports/cur2/data/BILLING_PERIOD=2024-10/cur2-00001.snappy.parquet", "PAR1....PAR1");
    auto r = x.sync(SourceType::cur, x.location("exports/cur2/"));
    REQUIRE(r.size() == 2);
    CHECK(r[0].status == RunStatus::unchanged);
    CHECK(r[1].status == RunStatus::failed);
    CHECK_THAT(r[1].error, Catch::Contains("Parquet") && Catch::Contains("TEXT_OR_CSV"));
  }
}

TEST_CASE("S3: a connection cut mid-object is resumed with a Range request", "[s3][aws]") {
  S3Fixture x;
  std::vector<FocusRow> rows;
  for (int i = 0; i < 400; ++i) rows.push_back({.billed = "1", .resource = "i-" + std::to_string(i)});
  auto text = testing::focus_csv(rows);
  x.s3.put("cut/part.csv", text);
  x.s3.faults(R"({"cut":"cut/part.csv","after":5000})");
  auto r = x.sync(SourceType::focus, x.location("cut/"));
  REQUIRE(r.size() == 1);
  INFO(r[0].error);
  CHECK(r[0].status == RunStatus::succeeded);
  CHECK(r[0].rows_read == 400);
  CHECK(testing::billed_total(x.f.db) == Approx(400));
  CHECK_THAT(x.s3.stats(), Catch::Contains("bytes=5000-"));
}

TEST_CASE("S3: credentials that expire mid-run are fetched again and the call repeated", "[s3][aws]") {
  S3Fixture x;
  put_cur2_period(x.s3, "2024-09", "exec-1", cur_parts(2));
  x.s3.faults(R"({"expire_once":true})");
  auto r = x.sync(SourceType::cur, x.location("exports/cur2/"));
  REQUIRE(r.size() == 1);
  INFO(r[0].error);
  CHECK(r[0].status == RunStatus::succeeded);
}

TEST_CASE("S3: clock skew and a missing bucket are explained in words", "[s3][aws]") {
  S3Fixture x;
  x.s3.faults(R"({"skew":true})");
  auto skew = x.sync(SourceType::cur, x.location("exports/cur2/"));
  REQUIRE(skew.size() == 1);
  CHECK_THAT(skew[0].error, Catch::Contains("clock skew"));
  x.s3.faults("{}");
  auto l = x.location("x/");
  auto missing = x.sync(SourceType::cur, "s3://no-such-bucket/x/" + l.substr(l.find('?')));
  REQUIRE(missing.size() == 1);
  CHECK_THAT(missing[0].error, Catch::Contains("bucket not found"));
}

TEST_CASE("S3: a source written as three lines of config, pulled when due by its own pace", "[s3][aws]") {
  S3Fixture x;
  put_cur2_period(x.s3, "2024-09", "exec-1", cur_parts(2));
  config::Config c;
  auto issues = config::check_text(R"(
ingest:
  sources:
    - name: aws-cur
      type: cur
      location: s3://billing/exports/cur2/
      credentials: {access_key_id_env: )" + x.key_env + ", secret_access_key_env: " + x.secret_env + R"(}
      options: {endpoint: ")" + x.s3.endpoint() + R"("}
      every: 30m
schedules:
  ingest: {cron: "*/10 * * * *"}
)",
                                   &c);
  INFO(issues.to_string());
  REQUIRE(issues.empty());
  sources::RemoteSources remote(c, x.f.clock);
  ingest::SourcesRunOptions run;
  run.remote = &remote.registry();
  run.only_due = true;  // as the scheduler's ingest job runs them

  auto first = ingest::run_configured_sources(x.f.db, c, x.f.clock, run);
  REQUIRE(first.size() == 1);
  INFO(first[0].error);
  CHECK(first[0].status == RunStatus::succeeded);
  CHECK(first[0].source_name == "aws-cur");
  CHECK(testing::billed_total(x.f.db) == Approx(local_billed_total(SourceType::cur, cur_parts(2))));

  auto statuses = ingest::source_statuses(x.f.db, c, x.f.clock);
  REQUIRE(statuses.size() == 1);
  CHECK(statuses[0].name == "aws-cur");
  CHECK(statuses[0].last_status == "succeeded");
  CHECK(statuses[0].watermark.starts_with("2024-09 @ exec-1"));
  CHECK(statuses[0].pace == "every 30m");
  // Next due: the first ingest tick (every 10 minutes) at least 30 minutes (less a little slack) on.
  CHECK(statuses[0].next_due >= x.f.clock.now() + 27 * 60);
  CHECK(statuses[0].next_due <= x.f.clock.now() + 40 * 60);

  // Ten minutes later the job ticks again: not due, S3 is not even listed.
  const auto listings = x.s3.stats();
  x.f.clock.advance(600);
  CHECK(ingest::run_configured_sources(x.f.db, c, x.f.clock, run).empty());
  CHECK(x.s3.stats() == listings);
  // By hand (`costbot ingest`) it runs whatever its pace: unchanged.
  ingest::SourcesRunOptions by_hand;
  by_hand.remote = &remote.registry();
  auto manual = ingest::run_configured_sources(x.f.db, c, x.f.clock, by_hand);
  REQUIRE(manual.size() == 1);
  CHECK(manual[0].status == RunStatus::unchanged);
  // Thirty minutes after that run it is due again.
  const auto ran_at = x.f.clock.now();
  x.f.clock.advance(29 * 60);
  CHECK(ingest::remote_source_due_at(x.f.db, ingest::configured_remote_locations(c)[0]) <= x.f.clock.now());
  CHECK(ingest::remote_source_due_at(x.f.db, ingest::configured_remote_locations(c)[0]) > ran_at);
}
