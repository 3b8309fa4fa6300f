// The benchmark estate (tests/support/estate_generator.hpp): deterministic per seed, the shape it
// promises (high cardinality: most rows their own resource-day-SKU key; hourly: 24 line items per
// key), and costbot ingests every row and every dollar of it.
#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "tests/support/estate_generator.hpp"
#include "tests/support/test_support.hpp"

using namespace costbot;

namespace {

const std::string kEstateSample = testing::source_path("tests/fixtures/focus/focus_sample.csv");

// One value from the sqlite3 CLI (independent of costbot's storage code).
std::string estate_sql(const std::string& db, const std::string& sql) {
  auto r = testing::run({"sqlite3", db, sql});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto out = r.out;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

}  // namespace

TEST_CASE("the estate generator is deterministic per seed and keeps its shape", "[bench][estate]") {
  testing::TempDir dir;
  testing::EstateOptions o;
  o.rows = 6000;
  o.days = 30;
  o.resources = 3000;
  auto a = testing::generate_estate(kEstateSample, dir.file("a.csv"), o);
  auto again = testing::generate_estate(kEstateSample, dir.file("again.csv"), o);
  o.seed = 2;
  auto other = testing::generate_estate(kEstateSample, dir.file("other.csv"), o);
  CHECK(a.rows == 6000);
  CHECK(testing::read_file(dir.file("a.csv")) == testing::read_file(dir.file("again.csv")));
  CHECK(testing::read_file(dir.file("a.csv")) != testing::read_file(dir.file("other.csv")));
  CHECK(a.billed == again.billed);
  CHECK(a.billed != other.billed);
  // High cardinality: 200 rows a day over ~1,000 live resource lines: most rows are their own key.
  CHECK(a.resource_day_sku_keys > a.rows * 8 / 10);
  CHECK(a.resources_seen > 1500);
  // About rows/days line items a day costing yearly_spend/365 a day.
  CHECK(a.billed > o.yearly_spend * 30 / 365 * 0.7);
  CHECK(a.billed < o.yearly_spend * 30 / 365 * 1.3);

  o.shape = testing::EstateShape::hourly;
  auto hourly = testing::generate_estate(kEstateSample, dir.file("hourly.csv"), o);
  CHECK(hourly.rows == hourly.resource_day_sku_keys * 24);
  CHECK(hourly.rows > 5500);
}

TEST_CASE("costbot ingests every row and every dollar of a generated estate, both shapes", "[bench][estate][ingest]") {
  testing::TempDir dir;
  for (auto shape : {testing::EstateShape::high_cardinality, testing::EstateShape::hourly}) {
    testing::EstateOptions o;
    o.shape = shape;
    o.rows = 12000;
    o.days = 40;  // two calendar months, several accounts: several billing scopes
    o.resources = 4000;
    o.seed = 7;
    const bool hourly = shape == testing::EstateShape::hourly;
    auto csv = dir.file(hourly ? "hourly.csv" : "high.csv");
    auto db = dir.file(hourly ? "hourly.db" : "high.db");
    auto totals = testing::generate_estate(kEstateSample, csv, o);
    auto r = testing::run_costbot({"--db", db, "ingest", "--source", "focus", csv});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(estate_sql(db, "SELECT SUM(row_count) FROM cost_daily") == std::to_string(totals.rows));
    CHECK(std::abs(std::stod(estate_sql(db, "SELECT SUM(billed_cost) FROM cost_daily")) - totals.billed) < 0.01);
    CHECK(std::abs(std::stod(estate_sql(db, "SELECT SUM(effective_cost) FROM cost_daily")) - totals.effective) < 0.01);
    const auto daily = std::stoll(estate_sql(db, "SELECT COUNT(*) FROM cost_daily"));
    // A generator key (resource line, day) is one daily row, except where two lines of a resource
    // share a SKU row of the sample.
    CHECK(daily <= totals.resource_day_sku_keys);
    CHECK(daily > totals.resource_day_sku_keys * 9 / 10);
    CHECK(std::stoll(estate_sql(db, "SELECT COUNT(DISTINCT team) FROM cost_daily")) > 5);
  }
}
