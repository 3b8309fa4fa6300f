// The BigQuery billing export through the engine's remote-source path, against FakeBigQuery and
// FakeGoogleAuth on loopback: the first run ingests the months, a later run scans only the
// partitions since the watermark the engine stored, a late credit restates its month (replaced,
// never doubled), and a failing query keeps the month's data.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "adapters/gcp/bigquery_export_source.hpp"
#include "engine/ingest/remote_source.hpp"
#include "tests/support/fake_bigquery.hpp"
#include "tests/support/ingest_support.hpp"
#include "tests/support/test_support.hpp"

using namespace costbot;
using ingest::RunStatus;
using testing::BillingRow;

namespace {

constexpr UnixSeconds kSyncJune10 = 1717977600;  // 2024-06-10T00:00:00Z

BillingRow usage(const std::string& day, const std::string& exported, double cost, double credits = 0) {
  BillingRow r;
  r.usage_day = day;
  r.invoice_month = day.substr(0, 4) + day.substr(5, 2);
  r.cost = cost;
  r.credits = credits;
  r.partition_day = exported;
  r.export_time_us = (start_of(*parse_day(exported)) + 3600) * 1000000LL;
  return r;
}

struct GcpSyncFixture {
  testing::IngestFixture f;
  testing::FakeGoogleAuth auth{f.clock};
  testing::FakeBigQuery bq{auth, "acme-billing", "billing_export", "gcp_billing_export_v1_01A2B3_C4D5E6_F7A8B9"};
  const testing::TestRsaKey& key = testing::test_rsa_key("bq-sync-key");
  testing::GoogleServiceAccount account{"costbot@acme-billing.iam.gserviceaccount.com", &key, false};
  std::string key_file;
  http::Client http;

  GcpSyncFixture() {
    f.clock.set(kSyncJune10);
    auth.add_service_account(account);
    bq.grant(account.email, true, true);
    key_file = f.dir.write("sa.json", auth.key_file_json(account, "acme-billing"));
  }
  std::vector<ingest::FileResult> sync(ingest::SyncOptions options = {}) {
    auto l = ingest::parse_remote_location("bq://acme-billing.billing_export.gcp_billing_export_v1_01A2B3_C4D5E6_F7A8B9?location=US&key_file=" +
                                               key_file + "&endpoint=" + bq.endpoint(),
                                           ingest::SourceType::gcp, "gcp-test");
    REQUIRE(l);
    auto source = gcp::open_bigquery_export_source(*l, http, f.clock, [](const std::string&) { return std::string(); });
    return ingest::sync_remote_source(f.db, f.config, *l, *source, f.clock, options);
  }
};

}  // namespace

TEST_CASE("BigQuery billing export synced: months land, later runs scan only new partitions, a late credit restates its month", "[gcp-sync]") {
  GcpSyncFixture x;
  std::vector<BillingRow> rows;
  for (int d = 1; d <= 30; ++d) {
    auto day = "2024-05-" + std::string(d < 10 ? "0" : "") + std::to_string(d);
    auto next = d < 31 ? "2024-05-" + std::string(d + 1 < 10 ? "0" : "") + std::to_string(d + 1) : "2024-06-01";
    rows.push_back(usage(day, next, 10.0, -1.0));
  }
  for (int d = 1; d <= 9; ++d) rows.push_back(usage("2024-06-0" + std::to_string(d), "2024-06-" + std::string(d + 1 < 10 ? "0" : "") + std::to_string(d + 1), 20.0));
  x.bq.add_rows(rows);

  auto first = x.sync();
  REQUIRE(first.size() == 2);
  for (const auto& r : first) {
    INFO(r.error);
    CHECK(r.status == RunStatus::succeeded);
  }
  CHECK(testing::billed_total(x.f.db) == Approx(30 * 9.0 + 9 * 20.0));
  auto scans = x.bq.executed();
  std::int64_t first_scan_bytes = scans.front().bytes_processed;

  // Nothing new: the scan starts from the stored watermark and finds no month.
  auto quiet = x.sync();
  CHECK(quiet.empty());
  auto quiet_scan = x.bq.executed().back();
  CHECK(quiet_scan.kind == "changed_months");
  CHECK(quiet_scan.parameters["partition_from"] == "2024-06-05");  // watermark June 10th - 5 days
  CHECK(quiet_scan.bytes_processed < first_scan_bytes / 4);

  // A late credit for May arrives with June 10th's usage: May is restated, June grows.
  x.bq.add_rows({usage("2024-05-31", "2024-06-11", 0.0, -50.0), usage("2024-06-10", "2024-06-11", 20.0)});
  x.f.clock.set(kSyncJune10 + 86400);
  auto next = x.sync();
  REQUIRE(next.size() == 2);
  CHECK(next[0].status == RunStatus::succeeded);
  CHECK(next[1].status == RunStatus::succeeded);
  CHECK(testing::billed_total(x.f.db) == Approx(30 * 9.0 - 50.0 + 10 * 20.0));  // replaced, never doubled
}

TEST_CASE("BigQuery billing export synced: a refused query fails the run by name and keeps the data", "[gcp-sync]") {
  GcpSyncFixture x;
  x.bq.add_rows({usage("2024-06-01", "2024-06-02", 7.0)});
  REQUIRE(x.sync().at(0).status == RunStatus::succeeded);
  const auto before = testing::snapshot(x.f.db);
  x.bq.add_rows({usage("2024-06-02", "2024-06-11", 7.0)});
  x.f.clock.set(kSyncJune10 + 86400);
  // The identity lost BigQuery Job User: the next scan is refused.
  x.bq.server().script("POST", "/bigquery/v2/projects/acme-billing/queries",
                       testing::ScriptedResponse::json(403, R"({"error":{"code":403,"message":"Access Denied: Project acme-billing: User does not have bigquery.jobs.create permission in project acme-billing.","errors":[{"reason":"accessDenied"}]}})"));
  auto r = x.sync();
  REQUIRE(r.size() == 1);
  CHECK(r[0].status == RunStatus::failed);
  CHECK(r[0].error.find("BigQuery Job User") != std::string::npos);
  CHECK(testing::snapshot(x.f.db) == before);
}

TEST_CASE("costbot sources check, BigQuery export: authenticates, lists, reads a page, and names a missing role", "[gcp-sync][cli]") {
  GcpSyncFixture x;
  x.bq.add_rows({usage("2024-06-01", "2024-06-02", 7.0), usage("2024-06-02", "2024-06-03", 8.0)});
  // A second identity that may read the table but not run query jobs.
  testing::GoogleServiceAccount reader{"reader@acme-billing.iam.gserviceaccount.com", &testing::test_rsa_key("bq-reader-key"), false};  // its own key: the fake finds the account by key id
  x.auth.add_service_account(reader);
  x.bq.grant(reader.email, false, true);
  auto reader_key_file = x.f.dir.write("reader.json", x.auth.key_file_json(reader, "acme-billing"));
  std::string key_file = x.key_file;
  auto check = [&] {
    auto config = x.f.dir.write("costbot.yaml", "ingest:\n  sources:\n    - name: gcp-billing\n      type: gcp\n"
                                                "      location: bq://acme-billing.billing_export.gcp_billing_export_v1_01A2B3_C4D5E6_F7A8B9\n"
                                                "      credentials: {key_file: \"" + key_file + "\"}\n"
                                                "      options: {location: US, endpoint: \"" + x.bq.endpoint() + "\"}\n");
    return testing::run_costbot({"--config", config, "--db", x.f.dir.file("c.db"), "sources", "check", "gcp-billing"},
                                {"COSTBOT_NOW=2024-06-10T00:00:00Z"});
  };
  SECTION("every step passes") {
    auto r = check();
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("gcp-billing: bq://acme-billing.billing_export.gcp_billing_export_v1_01A2B3_C4D5E6_F7A8B9"));
    CHECK(r.out.find("FAILED") == std::string::npos);
    CHECK_THAT(r.out, Catch::Contains("1 billing period(s)"));
    CHECK_THAT(r.out, Catch::Contains("first line: "));
  }
  SECTION("a service account without BigQuery Job User: the failing step names the role") {
    key_file = reader_key_file;
    auto r = check();
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.out, Catch::Contains("FAILED"));
    CHECK_THAT(r.out, Catch::Contains("BigQuery Job User"));
  }
}
