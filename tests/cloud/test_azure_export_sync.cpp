// Azure Cost Management exports pulled from Azurite through the engine's remote-source path:
// an export run with manifest.json and gzip parts, a restated month (overwrite semantics: the old
// run's blobs replaced by a new run) that replaces and never doubles, and the bad inputs a real
// container produces (a truncated gzip part, a manifest naming a missing blob, a wrong key): each
// a clear error naming the blob, with the month's previous data kept.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "bot/sources/remote_sources.hpp"
#include "engine/ingest/remote_source.hpp"
#include "tests/support/azurite.hpp"
#include "tests/support/ingest_support.hpp"
#include "tests/support/test_support.hpp"

using namespace costbot;
using ingest::RunStatus;
using ingest::SourceType;

namespace {

// Azure cost details rows for June 2024: `n` rows of `amount` USD each, over two subscriptions.
std::string azure_part(int n, double amount, int first_day = 1) {
  std::string csv =
      "BillingAccountId,BillingPeriodStartDate,Date,CostInBillingCurrency,BillingCurrency,SubscriptionId,SubscriptionName,"
      "MeterCategory,ResourceId,ChargeType\n";
  for (int i = 0; i < n; ++i) {
    int day = 1 + (first_day + i) % 28;
    csv += "ea-42,2024-06-01,2024-06-" + std::string(day < 10 ? "0" : "") + std::to_string(day) + "," +
           std::to_string(amount) + ",USD,sub-" + std::to_string(i % 2) + ",Sub " + std::to_string(i % 2) +
           ",Virtual Machines,/subscriptions/sub-" + std::to_string(i % 2) + "/vm/" + std::to_string(i % 5) + ",Usage\n";
  }
  return csv;
}

std::string manifest(const std::string& run, const std::vector<std::string>& blobs) {
  std::string list;
  for (const auto& b : blobs) list += (list.empty() ? "" : ",") + std::string(R"({"blobName":")") + b + R"(","byteCount":1,"dataRowCount":1})";
  return R"({"manifestVersion":"2024-04-01","byteCount":1,"blobCount":)" + std::to_string(blobs.size()) +
         R"(,"dataRowCount":1,"exportConfig":{"exportName":"daily-actual","resourceId":"/subscriptions/sub-0","dataVersion":"2023-12-01-preview","apiVersion":"2023-07-01-preview","type":"ActualCost","timeFrame":"MonthToDate","granularity":"Daily"},)"
         R"("deliveryConfig":{"partitionData":true,"dataOverwriteBehavior":"OverwritePreviousReport","fileFormat":"Csv","compressionMode":"Gzip","containerUri":"/subscriptions/sub-0/storageAccounts/x","rootFolderPath":"exports"},)"
         R"("runInfo":{"executionType":"Scheduled","submittedTime":"2024-06-10T08:00:00Z","runId":")" + run +
         R"(","startDate":"2024-06-01T00:00:00","endDate":"2024-06-30T00:00:00Z"},"blobs":[)" + list + "]}";
}

struct AzureSyncFixture {
  testing::IngestFixture f;
  testing::Azurite& az = testing::Azurite::shared();
  std::string container = az.new_container();
  std::string key_env;
  sources::RemoteSources remote{f.config, f.clock};

  AzureSyncFixture() {
    static int counter = 0;
    key_env = "COSTBOT_TEST_AZURE_KEY_" + std::to_string(++counter);
    ::setenv(key_env.c_str(), az.key().c_str(), 1);
    az.create_container(container);
    f.clock.set(std::chrono::system_clock::to_time_t(std::chrono::system_clock::now()));  // x-ms-date
  }
  std::string location(const std::string& extra = "") const {
    return az.blob_endpoint() + "/" + container + "/exports/?account_key_env=" + key_env + "&chunk_kb=16" + extra;
  }
  std::vector<ingest::FileResult> sync(const std::string& url = {}) {
    auto l = ingest::parse_remote_location(url.empty() ? location() : url, SourceType::azure, "azure-test");
    REQUIRE(l);
    return ingest::sync_remote_location(f.db, f.config, *l, remote.registry(), f.clock);
  }
  // One export run: its gzip parts, then (last, as Cost Management does) its manifest.
  std::vector<std::string> put_run(const std::string& run, const std::vector<std::string>& parts) {
    std::vector<std::string> names;
    for (std::size_t i = 0; i < parts.size(); ++i) {
      auto name = "exports/daily-actual/20240601-20240630/" + run + "/part_0_000" + std::to_string(i + 1) + ".csv.gz";
      az.put_blob(container, name, testing::gzip_bytes(parts[i]));
      names.push_back(name);
    }
    az.put_blob(container, "exports/daily-actual/20240601-20240630/" + run + "/manifest.json", manifest(run, names));
    return names;
  }
  void remove_run(const std::string& run, const std::vector<std::string>& names) {
    for (const auto& n : names) az.delete_blob(container, n);
    az.delete_blob(container, "exports/daily-actual/20240601-20240630/" + run + "/manifest.json");
  }
};

}  // namespace

TEST_CASE("Azure export from Azurite: manifest and gzip parts land, a restated month replaces and never doubles", "[azure-sync]") {
  AzureSyncFixture x;
  // 3 parts, 700 rows of 2.5 USD (bigger than a 16 KiB range, so parts are read in pieces).
  auto run1 = x.put_run("run-1", {azure_part(300, 2.5), azure_part(300, 2.5, 5), azure_part(100, 2.5, 9)});
  auto first = x.sync();
  REQUIRE(first.size() == 1);
  INFO(first[0].error);
  CHECK(first[0].status == RunStatus::succeeded);
  CHECK(first[0].rows_read == 700);
  CHECK(testing::billed_total(x.f.db) == Approx(1750.0));

  auto again = x.sync();
  REQUIRE(again.size() == 1);
  CHECK(again[0].status == RunStatus::unchanged);

  // The export runs again and overwrites the month: new run, new amounts.
  x.remove_run("run-1", run1);
  x.put_run("run-2", {azure_part(400, 3.0), azure_part(400, 3.0, 3)});
  auto restated = x.sync();
  REQUIRE(restated.size() == 1);
  INFO(restated[0].error);
  CHECK(restated[0].status == RunStatus::succeeded);
  CHECK(testing::billed_total(x.f.db) == Approx(2400.0));  // 800 × 3.0, not 1750 + 2400
}

TEST_CASE("Azure export from Azurite: a truncated part or a missing blob fails the month by name and keeps its data", "[azure-sync]") {
  AzureSyncFixture x;
  auto run1 = x.put_run("run-1", {azure_part(200, 1.0)});
  REQUIRE(x.sync()[0].status == RunStatus::succeeded);
  const auto before = testing::snapshot(x.f.db);

  SECTION("a truncated gzip part") {
    auto good = testing::gzip_bytes(azure_part(300, 9.0));
    x.az.put_blob(x.container, "exports/daily-actual/20240601-20240630/run-2/part_0_0001.csv.gz", good.substr(0, good.size() / 2));
    x.az.put_blob(x.container, "exports/daily-actual/20240601-20240630/run-2/manifest.json",
                  manifest("run-2", {"exports/daily-actual/20240601-20240630/run-2/part_0_0001.csv.gz"}));
    auto r = x.sync();
    REQUIRE(r.size() == 1);
    CHECK(r[0].status == RunStatus::failed);
    CHECK(r[0].error.find("run-2/part_0_0001.csv.gz") != std::string::npos);
    CHECK(testing::snapshot(x.f.db) == before);
    // Once the export writes the part whole, the next run takes the month.
    x.az.put_blob(x.container, "exports/daily-actual/20240601-20240630/run-2/part_0_0001.csv.gz", good);
    auto fixed = x.sync();
    CHECK(fixed[0].status == RunStatus::succeeded);
    CHECK(testing::billed_total(x.f.db) == Approx(2700.0));
  }
  SECTION("a manifest naming a blob that is not there") {
    x.az.put_blob(x.container, "exports/daily-actual/20240601-20240630/run-3/part_0_0001.csv.gz", testing::gzip_bytes(azure_part(10, 5.0)));
    x.az.put_blob(x.container, "exports/daily-actual/20240601-20240630/run-3/manifest.json",
                  manifest("run-3", {"exports/daily-actual/20240601-20240630/run-3/part_0_0001.csv.gz",
                                     "exports/daily-actual/20240601-20240630/run-3/part_0_0002.csv.gz"}));
    auto r = x.sync();
    REQUIRE(r.size() == 1);
    CHECK(r[0].status == RunStatus::failed);
    CHECK(r[0].error.find("run-3/part_0_0002.csv.gz") != std::string::npos);
    CHECK(r[0].error.find("does not exist") != std::string::npos);
    CHECK(testing::snapshot(x.f.db) == before);
  }
  SECTION("a wrong account key: Azurite refuses it, the error says so") {
    ::setenv(x.key_env.c_str(), "d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXktd3Jvbmcta2V5LXdyb25nLWtleQ==", 1);
    auto r = x.sync();
    REQUIRE(r.size() == 1);
    CHECK(r[0].status == RunStatus::failed);
    CHECK(r[0].error.find("account key of devstoreaccount1 is wrong") != std::string::npos);
    CHECK(testing::snapshot(x.f.db) == before);
  }
}

TEST_CASE("costbot sources check, Azure export in Azurite: every step passes, and a wrong key is refused by Azurite itself", "[azure-sync][cli]") {
  AzureSyncFixture x;
  x.put_run("run-1", {azure_part(6, 2.0)});
  auto config = x.f.dir.write("costbot.yaml", "ingest:\n  sources:\n    - name: azure-exports\n      type: azure\n"
                                              "      location: " + x.az.blob_endpoint() + "/" + x.container + "/exports/\n"
                                              "      credentials: {account_key_env: COSTBOT_TEST_AZURITE_KEY}\n");
  auto check = [&](const std::string& key) {
    return testing::run_costbot({"--config", config, "--db", x.f.dir.file("c.db"), "sources", "check", "azure-exports"},
                                {"COSTBOT_TEST_AZURITE_KEY=" + key});
  };
  SECTION("the right key") {
    auto r = check(x.az.key());
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("FAILED") == std::string::npos);
    CHECK_THAT(r.out, Catch::Contains("1 billing period(s), 1 data file(s)"));
    CHECK_THAT(r.out, Catch::Contains("first line: BillingAccountId,BillingPeriodStartDate"));
  }
  SECTION("a wrong key") {
    std::string wrong = x.az.key();
    wrong[3] = wrong[3] == 'A' ? 'B' : 'A';
    auto r = check(wrong);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.out, Catch::Contains("FAILED"));
    CHECK(r.out.find(wrong) == std::string::npos);
  }
}
