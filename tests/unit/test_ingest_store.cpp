#include <catch2/catch.hpp>

#include "engine/ingest/ingest.hpp"
#include "engine/query/costs.hpp"
#include "tests/support/estate_generator.hpp"
#include "tests/support/ingest_support.hpp"

using namespace costbot;
using ingest::RunStatus;
using ingest::SourceType;
using testing::FocusRow;

namespace {

const std::string kSample = testing::source_path("tests/fixtures/focus/focus_sample.csv");

std::map<std::string, double> billed_by(storage::Database& db, query::Dimension d) {
  query::CostQuery q(db);
  std::map<std::string, double> out;
  for (const auto& t : q.totals(d, query::between(std::nullopt, std::nullopt))) out[t.key] = t.billed;
  return out;
}

std::string good_focus() { return testing::focus_csv({{.billed = "7", .account = "1234567890123"}, {.billed = "8"}}); }

std::string last_run_status(storage::Database& db) {
  return db.sql().execAndGet("SELECT status || ': ' || error FROM ingest_runs ORDER BY id DESC LIMIT 1").getString();
}

}  // namespace

TEST_CASE("re-ingesting the same file replaces its data and never double counts", "[ingest][store]") {
  testing::IngestFixture f;
  auto first = f.ingest(SourceType::focus, kSample);
  REQUIRE(first.status == RunStatus::succeeded);
  CHECK(first.rows_read == 1000);
  CHECK(first.rows_accepted == 1000);
  CHECK(first.scopes_replaced == 4);
  CHECK(first.digest.size() == 64);
  auto before = testing::snapshot(f.db);
  double billed = testing::billed_total(f.db);

  auto forced = f.ingest(SourceType::focus, kSample, true);
  REQUIRE(forced.status == RunStatus::succeeded);
  CHECK(testing::billed_total(f.db) == Approx(billed).epsilon(1e-12));
  CHECK(testing::snapshot(f.db).cost_rows.size() == before.cost_rows.size());
  auto again = f.ingest(SourceType::focus, kSample, true);
  CHECK(testing::billed_total(f.db) == Approx(billed).epsilon(1e-12));
  CHECK(f.db.sql().execAndGet("SELECT SUM(row_count) FROM cost_daily").getInt64() == 1000);

  // Unchanged bytes are recognised and skipped, and that is recorded too.
  auto skipped = f.ingest(SourceType::focus, kSample);
  CHECK(skipped.status == RunStatus::unchanged);
  CHECK_THAT(skipped.error, Catch::Contains("unchanged since run " + std::to_string(again.run_id)));
  CHECK(last_run_status(f.db) == "unchanged: " + skipped.error);
  CHECK(testing::billed_total(f.db) == Approx(billed).epsilon(1e-12));
}

TEST_CASE("a later file covering an overlapping billing period replaces the earlier one", "[ingest][store]") {
  testing::IngestFixture f;
  auto a = f.dir.write("a.csv", testing::focus_csv({{.billed = "4", .start = "2024-09-01T00:00:00Z"},
                                                   {.billed = "3", .start = "2024-09-10T00:00:00Z"},
                                                   {.billed = "3", .start = "2024-09-20T00:00:00Z"}}));
  auto other = f.dir.write("other.csv", testing::focus_csv({{.billed = "100", .account = "acct-2"},
                                                           {.billed = "50", .start = "2024-08-31T00:00:00Z"}}));
  // The same account and month, re-exported later with corrected figures for part of the month.
  auto b = f.dir.write("b.csv", testing::focus_csv({{.billed = "5", .start = "2024-09-15T00:00:00Z"},
                                                   {.billed = "2", .start = "2024-09-30T00:00:00Z"}}));
  REQUIRE(f.ingest(SourceType::focus, a).status == RunStatus::succeeded);
  REQUIRE(f.ingest(SourceType::focus, other).status == RunStatus::succeeded);
  CHECK(testing::billed_total(f.db) == Approx(160));
  auto rb = f.ingest(SourceType::focus, b);
  REQUIRE(rb.status == RunStatus::succeeded);
  CHECK(testing::billed_total(f.db, "billing_account_id = 'acct-1' AND day >= '2024-09-01'") == Approx(7));
  CHECK(testing::billed_total(f.db) == Approx(157));  // acct-2 and August untouched
  CHECK(testing::billed_total(f.db, "day >= '2024-09-01' AND day < '2024-09-15' AND billing_account_id = 'acct-1'") == 0);

  // File a was ingested before, but its data is no longer current: it is not skipped.
  auto ra = f.ingest(SourceType::focus, a);
  CHECK(ra.status == RunStatus::succeeded);
  CHECK(testing::billed_total(f.db, "billing_account_id = 'acct-1' AND day >= '2024-09-01'") == Approx(10));
  CHECK(testing::billed_total(f.db) == Approx(160));
}

TEST_CASE("bad rows are quarantined with file and line and the rest of the file lands", "[ingest][store]") {
  testing::IngestFixture f;
  std::string csv = testing::focus_csv({{.billed = "1.25", .tags = "{\"team\": \"payments\"}"},
                                        {.billed = "oops"},
                                        {.billed = "2", .start = "someday"},
                                        {.billed = "3", .currency = "CHF"},
                                        {.billed = "4", .tags = "{team: payments"},
                                        {.billed = "5"}});
  // A quoted field with a line break before the bad rows shifts their line numbers.
  csv.insert(csv.find("\n") + 1,
             "0.5,0.5,\"2024-09-02T00:00:00Z\",\"2024-09-01T00:00:00Z\",\"Usage\",\"AWS\",\"Amazon Simple Storage "
             "Service\",\"acct-1\",\"USD\",\"bucket\nwith a line break\",NULL\n");
  auto path = f.dir.write("mixed.csv", csv);
  auto r = f.ingest(SourceType::focus, path);
  REQUIRE(r.status == RunStatus::succeeded);
  CHECK(r.rows_read == 7);
  CHECK(r.rows_accepted == 3);
  CHECK(r.rows_rejected == 4);
  REQUIRE(r.rejections.size() == 4);
  CHECK(r.rejections[0].to_string() == path + ":5: BilledCost: expected a number, got \"oops\"");
  CHECK(r.rejections[1].to_string() ==
        path + ":6: ChargePeriodStart: expected a date/time such as 2024-09-18T22:00:00Z, got \"someday\"");
  CHECK(r.rejections[2].to_string() == path + ":7: currency \"CHF\" has no rate in currency.rates (base currency USD)");
  CHECK_THAT(r.rejections[3].to_string(), Catch::StartsWith(path + ":8: tags: not a JSON object"));
  CHECK(testing::billed_total(f.db) == Approx(1.25 + 0.5 + 5));

  SQLite::Statement q(f.db.sql(), "SELECT path, line, reason, raw FROM quarantine WHERE run_id = ? ORDER BY line");
  q.bind(1, static_cast<int64_t>(r.run_id));
  REQUIRE(q.executeStep());
  CHECK(q.getColumn(0).getString() == path);
  CHECK(q.getColumn(1).getInt() == 5);
  CHECK(q.getColumn(3).getString() ==
        "oops,1,\"2024-09-01T00:00:00Z\",\"2024-09-01T00:00:00Z\",\"Usage\",\"AWS\",\"Amazon Simple Storage "
        "Service\",\"acct-1\",\"USD\",NULL,NULL");
  CHECK(f.db.sql().execAndGet("SELECT COUNT(*) FROM quarantine").getInt() == 4);
  CHECK(f.db.sql().execAndGet("SELECT rows_rejected FROM ingest_runs WHERE id = " + std::to_string(r.run_id)).getInt() == 4);
}

TEST_CASE("a truncated, empty or non-CSV file is refused, changes nothing and is recorded as failed", "[ingest][store]") {
  testing::IngestFixture f;
  REQUIRE(f.ingest(SourceType::focus, kSample).status == RunStatus::succeeded);
  auto [name, content, expected] = GENERATE(table<std::string, std::string, std::string>({
      {"truncated.csv", good_focus() + "9,9,\"2024-09-03T00:00:00Z\",\"2024-09-01T00:00:00Z\",\"Usage\",\"AWS\",\"cut",
       "truncated.csv:4: unterminated quoted field: the file ends inside it"},
      {"empty.csv", "", "empty.csv is empty: expected a FOCUS 1.0 CSV header line"},
      {"header.csv", good_focus().substr(0, good_focus().find('\n') + 1), "header.csv has a header but no data rows"},
      {"image.png", std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10", 20),
       "image.png is not a CSV text file (binary data at its start)"},
      {"report.json", "{\"BilledCost\": 1, \"rows\": []}\n",
       "report.json is not a FOCUS 1.0 CSV file: missing required columns BilledCost, EffectiveCost"},
      {"truncated.csv.gz", testing::gzip_bytes(good_focus()).substr(0, 40), "truncated.csv.gz: truncated gzip stream"},
      {"all_bad.csv", testing::focus_csv({{.billed = "x"}, {.billed = "y"}}),
       "all_bad.csv could be ingested: all 2 rows rejected (first: "},
  }));
  INFO(name);
  auto before = testing::snapshot(f.db);
  auto r = f.ingest(SourceType::focus, f.dir.write(name, content));
  CHECK(r.status == RunStatus::failed);
  CHECK_THAT(r.error, Catch::Contains(expected));
  CHECK(r.rows_accepted == 0);
  CHECK(testing::snapshot(f.db) == before);
  CHECK_THAT(last_run_status(f.db), Catch::StartsWith("failed: ") && Catch::Contains(expected));
}

TEST_CASE("a missing path is a failed run that names it", "[ingest][store]") {
  testing::IngestFixture f;
  auto r = f.ingest(SourceType::cur, f.dir.file("nope.csv"));
  CHECK(r.status == RunStatus::failed);
  CHECK(r.error == "cannot read " + f.dir.file("nope.csv") + ": no such file");
  CHECK(last_run_status(f.db) == "failed: " + r.error);
}

TEST_CASE("gzip files ingest exactly like the plain file", "[ingest][store][gzip]") {
  testing::IngestFixture plain, zipped;
  REQUIRE(plain.ingest(SourceType::focus, kSample).status == RunStatus::succeeded);
  auto gz = zipped.dir.write("focus_sample.csv.gz", testing::gzip_bytes(testing::read_file(kSample)));
  auto r = zipped.ingest(SourceType::focus, gz);
  REQUIRE(r.status == RunStatus::succeeded);
  CHECK(r.rows_accepted == 1000);
  CHECK(testing::snapshot(zipped.db).cost_rows == testing::snapshot(plain.db).cost_rows);
}

TEST_CASE("AWS CUR 2.0 lands with FOCUS costs, tag-based teams and environments", "[ingest][store][cur]") {
  testing::IngestFixture f;
  auto r = f.ingest(SourceType::cur, testing::source_path("tests/fixtures/cur/cur2_2024-09.csv"));
  REQUIRE(r.status == RunStatus::succeeded);
  CHECK(r.rows_accepted == 8);
  CHECK(testing::billed_total(f.db) == Approx(3.084));
  CHECK(testing::effective_total(f.db) == Approx(0.192 * 2 + 3.45 + 0.25 + 0 + 0.171 + 1.25 - 2.0));
  auto by_service = billed_by(f.db, query::Dimension::service);
  CHECK(by_service["Amazon Elastic Compute Cloud"] == Approx(0.192 * 2 + 0.384 - 0.384 + 1.25 - 2.0));
  CHECK(by_service["Amazon Simple Storage Service"] == Approx(3.45));
  auto by_team = billed_by(f.db, query::Dimension::team);
  CHECK(by_team["payments"] == Approx(0.192 * 2 + 0.384 - 0.384));
  CHECK(by_team["data-platform"] == Approx(3.45));  // user_Team ViennaAI, rewritten by the tag rule's map
  CHECK(by_team[""] == Approx(0 + 1.25 - 2.0));
  auto env = billed_by(f.db, query::Dimension::environment);
  CHECK(env["prod"] == Approx(0.384));
  CHECK(env["dev"] == Approx(3.45));
  CHECK(f.db.sql().execAndGet("SELECT source_type || '/' || provider || '/' || billing_account_id || '/' || "
                              "billing_period_start FROM billing_scopes").getString() == "cur/AWS/111122223333/2024-09-01");
}

TEST_CASE("Azure cost details land converted from EUR, with the unknown currency row quarantined", "[ingest][store][azure]") {
  testing::IngestFixture f;
  auto path = testing::source_path("tests/fixtures/azure/cost_details_ea_2024-09.csv");
  auto r = f.ingest(SourceType::azure, path);
  REQUIRE(r.status == RunStatus::succeeded);
  CHECK(r.rows_accepted == 6);
  REQUIRE(r.rejections.size() == 1);
  CHECK(r.rejections[0].to_string() == path + ":7: currency \"XYZ\" has no rate in currency.rates (base currency USD)");
  CHECK(testing::billed_total(f.db) == Approx(113.25 * 1.08));
  auto by_service = billed_by(f.db, query::Dimension::service);
  CHECK(by_service["Virtual Machines"] == Approx(102 * 1.08));
  CHECK(by_service["Storage"] == Approx(7 * 1.08));
  auto by_team = billed_by(f.db, query::Dimension::team);
  CHECK(by_team["payments"] == Approx((12 + 4.25) * 1.08));  // tag "Payments", then the *payments* name rule
  CHECK(by_team["data-platform"] == Approx(7 * 1.08));       // owner-team in the brace-less tag style
  CHECK(by_team[""] == Approx(90 * 1.08));                   // reservation purchase and refund
  CHECK(billed_by(f.db, query::Dimension::environment)["prod"] == Approx(19 * 1.08));
}

TEST_CASE("the GCP export lands the same from CSV and from JSON lines", "[ingest][store][gcp]") {
  testing::IngestFixture csv, json;
  REQUIRE(csv.ingest(SourceType::gcp, testing::source_path("tests/fixtures/gcp/billing_export_2024-09.csv")).status ==
          RunStatus::succeeded);
  REQUIRE(json.ingest(SourceType::gcp, testing::source_path("tests/fixtures/gcp/billing_export_2024-09.jsonl")).status ==
          RunStatus::succeeded);
  CHECK(testing::billed_total(csv.db) == Approx(4.25 + 2.5 + 0 + 0.8 + 1.2));
  CHECK(testing::snapshot(csv.db).cost_rows == testing::snapshot(json.db).cost_rows);
  auto by_team = billed_by(csv.db, query::Dimension::team);
  CHECK(by_team["payments"] == Approx(4.25 + 1.2));
  CHECK(by_team["data-platform"] == Approx(2.5));  // label "squad" is an alias of team in the example config
  CHECK(testing::billed_total(csv.db, "day = '2024-08-31'") == Approx(1.2));
}

TEST_CASE("resources keep their latest tags, team and environment and when they were seen", "[ingest][store]") {
  testing::IngestFixture f;
  auto path = f.dir.write("r.csv", testing::focus_csv({
                                       {.start = "2024-09-02T00:00:00Z", .resource = "vm-1", .tags = R"({"team": "platform", "env": "dev"})"},
                                       {.start = "2024-09-05T00:00:00Z", .resource = "vm-1", .tags = R"({"Team": "payments", "env": "Production"})"},
                                       {.start = "2024-09-01T00:00:00Z", .resource = "vm-1", .tags = R"({"team": "old"})"},
                                   }));
  REQUIRE(f.ingest(SourceType::focus, path).status == RunStatus::succeeded);
  SQLite::Statement q(f.db.sql(), "SELECT team, environment, tags, first_seen, last_seen FROM resources WHERE resource_id = 'vm-1'");
  REQUIRE(q.executeStep());
  CHECK(q.getColumn(0).getString() == "payments");
  CHECK(q.getColumn(1).getString() == "prod");
  CHECK(q.getColumn(2).getString() == R"({"environment":"Production","team":"payments"})");
  CHECK(q.getColumn(3).getString() == "2024-09-01T00:00:00Z");
  CHECK(q.getColumn(4).getString() == "2024-09-05T00:00:00Z");
}

TEST_CASE("usage metrics land keyed by resource, metric and time, bad rows are quarantined", "[ingest][store][usage]") {
  testing::IngestFixture f;
  auto path = testing::source_path("tests/fixtures/usage/metrics_2024-09.csv");
  auto r = f.ingest(SourceType::usage, path);
  REQUIRE(r.status == RunStatus::succeeded);
  CHECK(r.rows_accepted == 5);
  REQUIRE(r.rejections.size() == 2);
  CHECK(r.rejections[0].to_string() == path + ":7: resource_id is empty");
  CHECK(r.rejections[1].to_string() == path + ":8: value: expected a number, got \"high\"");
  CHECK(f.db.sql().execAndGet("SELECT AVG(value) FROM usage_metrics WHERE metric = 'CPUUtilization'").getDouble() ==
        Approx(3.25));
  REQUIRE(f.ingest(SourceType::usage, path, true).status == RunStatus::succeeded);
  CHECK(f.db.sql().execAndGet("SELECT COUNT(*) FROM usage_metrics").getInt() == 5);
  auto missing = f.ingest(SourceType::usage, f.dir.write("m.csv", "time,resource,value\n1,2,3\n"));
  CHECK(missing.error == f.dir.file("m.csv") + " is not a usage metrics CSV: missing required columns timestamp, "
                                               "resource_id, metric (expected timestamp,resource_id,metric,value)");
}

TEST_CASE("configured sources expand their globs and ingest every file in order", "[ingest][store]") {
  testing::IngestFixture f;
  f.dir.write("exports/2024/08/a.csv", testing::focus_csv({{.billed = "1", .start = "2024-08-03T00:00:00Z"}}));
  f.dir.write("exports/2024/09/b.csv", testing::focus_csv({{.billed = "2", .start = "2024-09-03T00:00:00Z"}}));
  f.dir.write("exports/2024/09/notes.txt", "not billing data");
  f.dir.write("metrics/cpu.csv", "timestamp,resource_id,metric,value\n2024-09-01T00:00:00Z,vm-1,CPUUtilization,5\n");
  auto file_source = [](std::string name, std::string type, std::string path) {
    config::IngestSource s;
    s.name = std::move(name);
    s.type = std::move(type);
    s.paths = {std::move(path)};
    return s;
  };
  f.config.ingest.sources = {
      file_source("focus-exports", "focus", f.dir.file("exports") + "/**/*.csv"),
      file_source("metrics", "usage", f.dir.file("metrics")),
      file_source("nothing-yet", "cur", f.dir.file("cur") + "/*.csv.gz"),
  };
  auto results = ingest::run_configured_sources(f.db, f.config, f.clock);
  REQUIRE(results.size() == 4);
  CHECK(results[0].path == f.dir.file("exports/2024/08/a.csv"));
  CHECK(results[0].source_name == "focus-exports");
  CHECK(results[1].path == f.dir.file("exports/2024/09/b.csv"));
  CHECK(results[2].type == SourceType::usage);
  CHECK(results[2].status == RunStatus::succeeded);
  CHECK(results[3].status == RunStatus::failed);
  CHECK(results[3].error == "source nothing-yet: no file matches " + f.dir.file("cur") + "/*.csv.gz");
  CHECK(testing::billed_total(f.db) == Approx(3));
  // The scheduler runs the same list again: nothing changed, nothing is re-read.
  auto again = ingest::run_configured_sources(f.db, f.config, f.clock);
  CHECK(again[0].status == RunStatus::unchanged);
  CHECK(again[1].status == RunStatus::unchanged);
  CHECK(again[2].status == RunStatus::unchanged);
  CHECK(testing::billed_total(f.db) == Approx(3));
}

TEST_CASE("the FOCUS sample attributes teams by the configured rules", "[ingest][store]") {
  testing::IngestFixture f;
  REQUIRE(f.ingest(SourceType::focus, kSample).status == RunStatus::succeeded);
  auto rows = [&](const std::string& where) {
    return f.db.sql().execAndGet("SELECT COALESCE(SUM(row_count), 0) FROM cost_daily WHERE " + where).getInt();
  };
  // business_unit is an alias of team; the tag rule maps ViennaAI to data-platform.
  CHECK(rows("team = 'data-platform'") == 6);
  CHECK(rows("team = 'ViennaAI'") == 0);
  // Rows of account 43883916739 without a team tag fall to the account rule.
  CHECK(rows("team = 'payments' AND sub_account_id = '43883916739'") > 0);
  CHECK(rows("team = 'platform' AND service_name = 'Amazon Simple Queue Service'") > 0);
  CHECK(rows("environment = 'prod'") > 0);
}

TEST_CASE("small batches store the same resources and figures as one batch, on both estate shapes", "[ingest][store][estate]") {
  for (auto shape : {testing::EstateShape::high_cardinality, testing::EstateShape::hourly}) {
    testing::IngestFixture one_batch, small_batches;
    testing::EstateOptions o;
    o.shape = shape;
    o.rows = shape == testing::EstateShape::hourly ? 24000 : 9600;  // hourly: 1,000 resource-days
    o.days = 20;
    o.resources = 3000;
    o.seed = 5;
    auto path = one_batch.dir.file("estate.csv");
    auto totals = testing::generate_estate(kSample, path, o);
    one_batch.config.ingest.batch_rows = 1000000;
    // Fewer daily rows a batch than resources live in the file: resources carry over between
    // batches and are written when they are many, or at the end.
    small_batches.config.ingest.batch_rows = 250;
    REQUIRE(one_batch.ingest(SourceType::focus, path).status == RunStatus::succeeded);
    REQUIRE(small_batches.ingest(SourceType::focus, path).status == RunStatus::succeeded);
    const auto a = testing::snapshot(one_batch.db), b = testing::snapshot(small_batches.db);
    CHECK(a.resources.size() > 500);
    CHECK(a.resources == b.resources);
    CHECK(a.cost_rows.size() == b.cost_rows.size());
    CHECK(testing::billed_total(small_batches.db) == Approx(totals.billed).margin(0.01));
    CHECK(testing::billed_total(one_batch.db) == Approx(totals.billed).margin(0.01));
  }
}
