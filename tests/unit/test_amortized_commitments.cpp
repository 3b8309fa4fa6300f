// FR1.7: the unused share of reservations and savings plans, as amortized exports carry it (Azure
// UnusedReservation / UnusedSavingsPlan rows, FOCUS CommitmentDiscountStatus = Unused), feeds the
// unused_commitment rule without any usage CSV.
#include <catch2/catch.hpp>

#include "engine/config/config.hpp"
#include "engine/detect/detection_run.hpp"
#include "engine/detect/finding_store.hpp"
#include "engine/ingest/ingest.hpp"
#include "engine/storage/database.hpp"
#include "tests/support/test_support.hpp"

using namespace costbot;
using std::chrono::days;

namespace {

const Day kAmortizedToday = Day(std::chrono::year(2024) / 9 / 18);

config::Config commitment_config() {
  config::Config c;
  auto issues = config::check_text(
      "detection:\n  anomaly:\n    scopes: []\n  rules:\n"
      "    - {id: commitments, kind: unused_commitment, thresholds: {max_utilization_percent: 10, days: 7}}\n",
      &c);
  INFO(issues.to_string());
  REQUIRE(issues.empty());
  return c;
}

std::vector<detect::Finding> commitment_findings(storage::Database& db) {
  std::vector<detect::Finding> out;
  for (auto& f : detect::FindingStore(db).findings())
    if (f.rule_id == "commitments") out.push_back(f);
  return out;
}

}  // namespace

TEST_CASE("An Azure amortized export's UnusedReservation rows feed the unused commitment rule", "[detect][rules][amortized]") {
  testing::TempDir dir;
  auto db = storage::open_migrated(dir.file("c.db"));
  auto config = commitment_config();
  // Two reservations over the last 7 days: RI-LOW used 5%, RI-HIGH used 90%.
  std::string csv =
      "BillingAccountId,BillingPeriodStartDate,Date,CostInBillingCurrency,BillingCurrency,SubscriptionId,MeterCategory,"
      "ChargeType,ReservationId,ResourceId,ConsumedService,MeterName\n";
  for (int i = 0; i < 7; ++i) {
    auto day = format_day(kAmortizedToday - days{i});
    auto row = [&](const std::string& cost, const std::string& type, const std::string& ri, const std::string& resource) {
      csv += "ea-1,2024-09-01," + day + "," + cost + ",USD,sub-1,Virtual Machines," + type + "," + ri + "," + resource +
             ",Microsoft.Compute,D4s v5\n";
    };
    row("5", "Usage", "RI-LOW", "/subscriptions/sub-1/vm/a");
    row("95", "UnusedReservation", "RI-LOW", "");
    row("90", "Usage", "RI-HIGH", "/subscriptions/sub-1/vm/b");
    row("10", "UnusedReservation", "RI-HIGH", "");
  }
  ManualClock clock(start_of(kAmortizedToday) + 3600);
  auto result = ingest::ingest_file(db, config, ingest::SourceType::azure, dir.write("amortized.csv", csv), clock);
  REQUIRE(result.error.empty());
  REQUIRE(result.status == ingest::RunStatus::succeeded);

  detect::run_detection(db, config, start_of(kAmortizedToday) + 86400, kAmortizedToday);
  auto found = commitment_findings(db);
  REQUIRE(found.size() == 1);
  CHECK(found[0].resource == "RI-LOW");
  CHECK(found[0].actual == Approx(5.0));
  CHECK(found[0].impact_per_day == Approx(95.0));
}

TEST_CASE("FOCUS rows with CommitmentDiscountStatus Unused feed the unused commitment rule", "[detect][rules][amortized]") {
  testing::TempDir dir;
  auto db = storage::open_migrated(dir.file("c.db"));
  auto config = commitment_config();
  std::string csv =
      "BilledCost,EffectiveCost,ChargePeriodStart,BillingPeriodStart,ChargeCategory,ProviderName,ServiceName,"
      "BillingAccountId,BillingCurrency,ResourceId,CommitmentDiscountId,CommitmentDiscountStatus\n";
  for (int i = 0; i < 7; ++i) {
    auto day = format_day(kAmortizedToday - days{i}) + "T00:00:00Z";
    csv += "0,2," + day + ",2024-09-01T00:00:00Z,Usage,Microsoft,Virtual Machines,ba-1,USD,vm-1,sp-1,Used\n";
    csv += "0,48," + day + ",2024-09-01T00:00:00Z,Usage,Microsoft,Virtual Machines,ba-1,USD,,sp-1,Unused\n";
  }
  ManualClock clock(start_of(kAmortizedToday) + 3600);
  auto result = ingest::ingest_file(db, config, ingest::SourceType::focus, dir.write("focus.csv", csv), clock);
  REQUIRE(result.error.empty());
  detect::run_detection(db, config, start_of(kAmortizedToday) + 86400, kAmortizedToday);
  auto found = commitment_findings(db);
  REQUIRE(found.size() == 1);
  CHECK(found[0].resource == "sp-1");
  CHECK(found[0].actual == Approx(4.0));  // 2 of 50 a day used
  CHECK(found[0].impact_per_day == Approx(48.0));
}
