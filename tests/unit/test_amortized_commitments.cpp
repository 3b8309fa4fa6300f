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

TEST_CASE("AWS CUR 2.0: RIFee and SavingsPlanRecurringFee unused amounts feed the unused commitment rule",
          "[detect][rules][amortized][cur]") {
  testing::TempDir dir;
  auto db = storage::open_migrated(dir.file("c.db"));
  auto config = commitment_config();
  const std::string ri = "arn:aws:ec2:us-east-1:111122223333:reserved-instances/ri-low";
  const std::string sp = "arn:aws:savingsplans::111122223333:savingsplan/sp-high";
  std::string csv =
      "bill_payer_account_id,bill_billing_period_start_date,line_item_usage_start_date,line_item_unblended_cost,"
      "line_item_line_item_type,line_item_currency_code,line_item_usage_account_id,line_item_product_code,"
      "line_item_resource_id,reservation_reservation_a_r_n,reservation_effective_cost,"
      "reservation_unused_amortized_upfront_fee_for_billing_period,reservation_unused_recurring_fee,"
      "savings_plan_savings_plan_a_r_n,savings_plan_savings_plan_effective_cost,savings_plan_total_commitment_to_date,"
      "savings_plan_used_commitment\n";
  for (int i = 0; i < 7; ++i) {
    auto day = format_day(kAmortizedToday - days{i}) + "T00:00:00Z";
    auto line = [&](const std::string& cost, const std::string& type, const std::string& resource, const std::string& rest) {
      csv += "111122223333,2024-09-01T00:00:00Z," + day + "," + cost + "," + type + ",USD,111122223333,AmazonEC2," +
             resource + "," + rest + "\n";
    };
    // ri-low: 2 of its 40 a day used (the fee line carries the unused 38: 30 amortized upfront + 8 recurring).
    line("0", "DiscountedUsage", "i-a", ri + ",2,,,,,,");
    line("10", "RIFee", "", ri + ",,30,8,,,,");
    // sp-high: 45 of its 50 a day used.
    line("0", "SavingsPlanCoveredUsage", "i-b", ",,,," + sp + ",45,,");
    line("50", "SavingsPlanRecurringFee", "", ",,,," + sp + ",,50,45");
    line("-45", "SavingsPlanNegation", "i-b", ",,,," + sp + ",,,");
  }
  ManualClock clock(start_of(kAmortizedToday) + 3600);
  auto result = ingest::ingest_file(db, config, ingest::SourceType::cur, dir.write("cur2.csv", csv), clock);
  INFO(result.error);
  REQUIRE(result.status == ingest::RunStatus::succeeded);
  // Amortized, each commitment costs what it costs once: the used share on the usage, the unused on the fee.
  auto effective = [&](const std::string& commitment) {
    SQLite::Statement q(db.sql(), "SELECT SUM(effective_cost) FROM cost_daily WHERE commitment_discount_id = ?");
    q.bind(1, commitment);
    q.executeStep();
    return q.getColumn(0).getDouble();
  };
  CHECK(effective(ri) == Approx(7 * 40));
  CHECK(effective(sp) == Approx(7 * 50));

  detect::run_detection(db, config, start_of(kAmortizedToday) + 86400, kAmortizedToday);
  auto found = commitment_findings(db);
  REQUIRE(found.size() == 1);
  CHECK(found[0].resource == ri);
  CHECK(found[0].actual == Approx(5.0));  // 2 of 40
  CHECK(found[0].impact_per_day == Approx(38.0));
}
