// The BigQuery billing export source against FakeBigQuery (jobs.query / getQueryResults over
// loopback, checking the bearer token from FakeGoogleAuth, IAM, the partition filter) and the
// gcp reader that ingests what it streams.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>

#include "adapters/gcp/billing_export.hpp"
#include "adapters/identity/google.hpp"
#include "engine/ingest/record_reader.hpp"
#include "tests/support/fake_bigquery.hpp"
#include "tests/support/test_clock.hpp"
#include "tests/support/test_support.hpp"

using namespace costbot;
using namespace costbot::gcp;
using testing::BillingRow;

namespace {

constexpr UnixSeconds kJune10 = 1717977600;  // 2024-06-10T00:00:00Z

std::int64_t micros(const std::string& day, int hour = 6) { return (start_of(*parse_day(day)) + hour * 3600) * 1000000LL; }

// Two projects, three services, one row per day and service from April 1st to June 9th, each
// exported (and partitioned) the day after its usage.
std::vector<BillingRow> history(std::uint64_t seed) {
  std::vector<BillingRow> rows;
  const char* services[] = {"Compute Engine", "Cloud Storage", "BigQuery"};
  for (Day d = *parse_day("2024-04-01"); d < *parse_day("2024-06-10"); d += std::chrono::days(1)) {
    for (int s = 0; s < 3; ++s) {
      BillingRow r;
      r.usage_day = format_day(d);
      r.invoice_month = format_month(d).substr(0, 4) + format_month(d).substr(5, 2);
      r.service = services[s];
      r.sku_id = "SKU-" + std::to_string(s);
      r.project_id = s == 1 ? "acme-data" : "acme-prod";
      r.cost = 10.0 + s * 3 + static_cast<double>((seed + static_cast<unsigned>(d.time_since_epoch().count()) * 7 + s) % 13);
      r.credits = s == 0 ? -1.5 : 0;
      r.usage_amount = 3600;
      r.labels_json = s == 2 ? R"([{"key":"team","value":"analytics"}])" : "[]";
      r.partition_day = format_day(d + std::chrono::days(1));
      r.export_time_us = micros(r.partition_day);
      rows.push_back(r);
    }
  }
  return rows;
}

std::map<std::string, double> net_by_month(const std::vector<BillingRow>& rows) {
  std::map<std::string, double> out;
  for (const auto& r : rows) out[r.invoice_month] += r.cost + r.credits;
  return out;
}

// Reads a month's stream through the real gcp reader; returns the billed cost it saw.
double ingest_total(std::unique_ptr<ingest::ByteSource> source, std::int64_t* rows_out = nullptr) {
  auto reader = ingest::open_cost_reader(ingest::SourceType::gcp, std::move(source), "bq-month");
  double total = 0;
  std::int64_t rows = 0;
  while (reader->next()) {
    REQUIRE(reader->error().empty());
    total += reader->record().billed_cost;
    ++rows;
  }
  if (rows_out) *rows_out = rows;
  return total;
}

struct BigQueryFixture {
  testing::TestClock clock{kJune10};
  testing::FakeGoogleAuth auth{clock};
  testing::FakeBigQuery bq{auth, "acme-billing", "billing_export", "gcp_billing_export_v1_01A2B3_C4D5E6_F7A8B9"};
  testing::TempDir dir;
  const testing::TestRsaKey& key = testing::test_rsa_key("bq-reader-key");
  testing::GoogleServiceAccount account{"costbot@acme-billing.iam.gserviceaccount.com", &key, false};
  http::Client http;
  std::unique_ptr<identity::GoogleCredential> credential;
  std::unique_ptr<BigQueryClient> client;

  BigQueryFixture() {
    auth.add_service_account(account);
    identity::GoogleOptions o;
    o.credentials_file = dir.write("sa.json", auth.key_file_json(account, "acme-billing"));
    o.scopes = {kBigQueryScope};
    credential = std::make_unique<identity::GoogleCredential>(http, identity::resolve_google_options(o, [](const std::string&) { return std::string(); }), clock);
    client = std::make_unique<BigQueryClient>(http, *credential, bq.endpoint());
    bq.grant(account.email, true, true);
  }

  BillingExport source(int page_rows = 10000) {
    auto o = billing_export_options(parse_bigquery_url("bq://acme-billing.billing_export.gcp_billing_export_v1_01A2B3_C4D5E6_F7A8B9"));
    o.location = "US";
    o.page_rows = page_rows;
    return BillingExport(*client, o, clock);
  }
};

}  // namespace

TEST_CASE("BigQuery URLs name project, dataset and table, and nothing that could break the SQL", "[gcp]") {
  auto t = parse_bigquery_url("bq://acme-billing.billing_export.gcp_billing_export_resource_v1_01A2B3_C4D5E6_F7A8B9");
  CHECK(t.project == "acme-billing");
  CHECK(t.dataset == "billing_export");
  CHECK(t.sql_name() == "`acme-billing.billing_export.gcp_billing_export_resource_v1_01A2B3_C4D5E6_F7A8B9`");
  CHECK(billing_export_options(t).detailed);
  CHECK(parse_bigquery_url("bq://example.com:acme.ds.t").project == "example.com:acme");
  CHECK_THROWS_WITH(parse_bigquery_url("bq://p.d"), Catch::Contains("PROJECT.DATASET.TABLE"));
  CHECK_THROWS_WITH(parse_bigquery_url("bq://p.d.t`; DROP"), Catch::Contains("not a valid table name"));
  CHECK_THROWS_WITH(parse_bigquery_url("gs://p/d"), Catch::Contains("is not a BigQuery table"));
}

TEST_CASE("BigQuery export: the first run finds the months, each month streams through the gcp reader", "[gcp]") {
  BigQueryFixture f;
  auto rows = history(7);
  f.bq.add_rows(rows);
  auto expected = net_by_month(rows);
  auto source = f.source(/*page_rows=*/40);  // several pages per month

  auto scan = source.changed_months(0);
  CHECK(scan.partition_from == "2024-04-01");  // three months back from June 10th
  REQUIRE(scan.months.size() == 3);
  CHECK(scan.months[0].period == "2024-04");
  CHECK(scan.months[2].invoice_month == "202406");
  CHECK(scan.months[2].version == std::to_string(micros("2024-06-10")));
  CHECK(scan.stats.bytes_processed == static_cast<std::int64_t>(rows.size()) * f.bq.bytes_per_row);

  for (const auto& m : scan.months) {
    std::int64_t n = 0;
    CHECK(std::abs(ingest_total(source.month_csv(m.invoice_month), &n) - expected[m.invoice_month]) < 1e-6);
    CHECK(n > 0);
    CHECK(source.last_month_stats().pages == (n + 39) / 40);  // 40 rows a page
  }
  auto executed = f.bq.executed();
  REQUIRE(executed.size() == 4);
  CHECK(executed[1].kind == "month");
  CHECK(executed[1].parameters["partition_from"] == "2024-03-30");
  CHECK(executed[1].location == "US");
  // jobs.query answered jobComplete:false first, so getQueryResults was polled.
  CHECK_FALSE(f.bq.server().requests("GET", "/bigquery/v2/projects/acme-billing/queries/job_1").empty());
}

TEST_CASE("BigQuery export: a later run scans only partitions since the watermark and finds late credits", "[gcp]") {
  BigQueryFixture f;
  auto rows = history(11);
  f.bq.add_rows(rows);
  auto source = f.source();
  auto first = source.changed_months(0);
  std::vector<std::string> versions;
  for (const auto& m : first.months) versions.push_back(m.version);
  auto watermark = watermark_of(versions);
  CHECK(watermark == micros("2024-06-10"));

  // Nothing new: the scan prunes to the last lookback_days of partitions and finds no month.
  auto quiet = source.changed_months(watermark);
  CHECK(quiet.months.empty());
  CHECK(quiet.partition_from == "2024-06-05");
  CHECK(quiet.stats.bytes_processed < first.stats.bytes_processed / 10);

  // The next day: June 10th's usage, and a late credit for May, both exported on June 11th.
  BillingRow today;
  today.usage_day = "2024-06-10";
  today.invoice_month = "202406";
  today.cost = 20;
  today.partition_day = "2024-06-11";
  today.export_time_us = micros("2024-06-11");
  BillingRow credit = today;
  credit.usage_day = "2024-05-31";
  credit.invoice_month = "202405";
  credit.cost = 0;
  credit.credits = -42.5;
  credit.cost_type = "adjustment";
  f.bq.add_rows({today, credit});
  f.clock.set(kJune10 + 86400);
  auto next = source.changed_months(watermark);
  REQUIRE(next.months.size() == 2);
  CHECK(next.months[0].period == "2024-05");
  CHECK(next.months[1].period == "2024-06");
  CHECK(next.months[1].rows == 1);
  CHECK(next.months[0].version == std::to_string(micros("2024-06-11")));

  auto all = rows;
  all.push_back(today);
  all.push_back(credit);
  auto expected = net_by_month(all);
  CHECK(std::abs(ingest_total(source.month_csv("202405")) - expected["202405"]) < 1e-6);
}

TEST_CASE("BigQuery export: missing roles, a wrong table and the bytes limit are explained", "[gcp]") {
  BigQueryFixture f;
  f.bq.add_rows(history(3));
  SECTION("no BigQuery Job User on the job project") {
    testing::GoogleServiceAccount viewer{"viewer@acme-billing.iam.gserviceaccount.com", &testing::test_rsa_key("bq-viewer-key"), false};
    f.auth.add_service_account(viewer);
    f.bq.grant(viewer.email, false, true);
    identity::GoogleOptions o;
    o.credentials_file = f.dir.write("viewer.json", f.auth.key_file_json(viewer, "acme-billing"));
    o.scopes = {kBigQueryScope};
    identity::GoogleCredential cred(f.http, identity::resolve_google_options(o, [](const std::string&) { return std::string(); }), f.clock);
    BigQueryClient client(f.http, cred, f.bq.endpoint());
    BillingExport source(client, billing_export_options(parse_bigquery_url("bq://acme-billing.billing_export.gcp_billing_export_v1_01A2B3_C4D5E6_F7A8B9")), f.clock);
    CHECK_THROWS_WITH(source.changed_months(0), Catch::Contains("BigQuery Job User"));
  }
  SECTION("no BigQuery Data Viewer on the dataset") {
    testing::GoogleServiceAccount runner{"runner@acme-billing.iam.gserviceaccount.com", &testing::test_rsa_key("bq-runner-key"), false};
    f.auth.add_service_account(runner);
    f.bq.grant(runner.email, true, false);
    identity::GoogleOptions o;
    o.credentials_file = f.dir.write("runner.json", f.auth.key_file_json(runner, "acme-billing"));
    o.scopes = {kBigQueryScope};
    identity::GoogleCredential cred(f.http, identity::resolve_google_options(o, [](const std::string&) { return std::string(); }), f.clock);
    BigQueryClient client(f.http, cred, f.bq.endpoint());
    BillingExport source(client, billing_export_options(parse_bigquery_url("bq://acme-billing.billing_export.gcp_billing_export_v1_01A2B3_C4D5E6_F7A8B9")), f.clock);
    try {
      source.changed_months(0);
      FAIL("no error");
    } catch (const http::RemoteError& e) {
      CHECK(e.kind() == ErrorKind::forbidden);
      CHECK(std::string(e.what()).find("BigQuery Data Viewer") != std::string::npos);
      CHECK(std::string(e.what()).find("bigquery.tables.getData") != std::string::npos);
    }
  }
  SECTION("a table that is not there") {
    auto o = billing_export_options(parse_bigquery_url("bq://acme-billing.billing_export.gcp_billing_export_v1_TYPO"));
    BillingExport source(*f.client, o, f.clock);
    CHECK_THROWS_WITH(source.changed_months(0), Catch::Contains("not found: check the project, dataset and table"));
  }
  SECTION("a scan over maximum_bytes_billed") {
    auto o = billing_export_options(parse_bigquery_url("bq://acme-billing.billing_export.gcp_billing_export_v1_01A2B3_C4D5E6_F7A8B9"));
    o.maximum_bytes_billed = 1000;
    BillingExport source(*f.client, o, f.clock);
    CHECK_THROWS_WITH(source.changed_months(0), Catch::Contains("maximum_bytes_billed"));
  }
  SECTION("a partition column the table does not have is refused by the table's partition-filter rule") {
    auto o = billing_export_options(parse_bigquery_url("bq://acme-billing.billing_export.gcp_billing_export_v1_01A2B3_C4D5E6_F7A8B9"));
    o.partition_column = "usage_start_time";
    BillingExport source(*f.client, o, f.clock);
    CHECK_THROWS_WITH(source.changed_months(0), Catch::Contains("without a filter over column(s) '_PARTITIONTIME'"));
    o.partition_column = "x; DROP TABLE";
    CHECK_THROWS_WITH(BillingExport(*f.client, o, f.clock), Catch::Contains("not a plain column name"));
  }
}
