#include <catch2/catch.hpp>

#include "engine/detect/budgets.hpp"
#include "engine/detect/detection_run.hpp"
#include "engine/detect/finding_store.hpp"
#include "tests/support/cost_fixtures.hpp"
#include "tests/support/test_support.hpp"

using namespace costbot;
using namespace costbot::detect;
using std::chrono::days;

namespace {

config::Config budget_config() {
  config::Config c;
  auto issues = config::check_text(R"(
teams:
  - name: payments
    budget: {monthly: 12000, thresholds: [0.8, 1.0]}
  - name: search
    budget: {monthly: 50000}
detection:
  anomaly: {scopes: []}
  budgets:
    - name: gpu
      scope: {service: GPU}
      monthly: 1000
)", &c);
  INFO(issues.to_string());
  REQUIRE(issues.empty());
  return c;
}

}  // namespace

TEST_CASE("a weekday-aware month-end forecast with an interval that holds the truth", "[detect][budgets]") {
  // Four weeks of $400 weekdays and $100 weekends, as of Wednesday Sep 18 2024 (12 days left:
  // Thu..Mon = 8 weekdays and 4 weekend days).
  const Day as_of = Day(std::chrono::year(2024) / 9 / 18);
  std::vector<double> recent;
  for (int i = 27; i >= 0; --i) {
    unsigned wd = weekday(as_of - days{i});
    recent.push_back(wd == 0 || wd == 6 ? 100.0 : 400.0);
  }
  auto f = forecast_month(recent, as_of, 5000);
  CHECK(f.total == Approx(5000 + 8 * 400 + 4 * 100));
  CHECK(f.lower <= f.total);
  CHECK(f.upper >= f.total);
  SECTION("noise widens the interval") {
    for (std::size_t i = 0; i < recent.size(); ++i) recent[i] *= i % 2 ? 1.2 : 0.8;
    auto noisy = forecast_month(recent, as_of, 5000);
    CHECK(noisy.upper - noisy.lower > 500);
  }
  SECTION("on the last day of the month the forecast is the actual") {
    auto last = forecast_month(recent, Day(std::chrono::year(2024) / 9 / 30), 9000);
    CHECK(last.total == 9000);
    CHECK(last.lower == 9000);
    CHECK(last.upper == 9000);
  }
}

TEST_CASE("during a runaway the forecast follows the new level and its interval covers the climb", "[detect][budgets]") {
  // Three weeks flat at $300/day, then a week climbing 20% a day, as of Wednesday Sep 18 2024.
  const Day as_of = Day(std::chrono::year(2024) / 9 / 18);
  std::vector<double> recent;
  for (int i = 0; i < 21; ++i) recent.push_back(300);
  double v = 300;
  for (int i = 0; i < 7; ++i) recent.push_back(v *= 1.2);
  const double last = recent.back();  // ~$1,075/day
  auto f = forecast_month(recent, as_of, 9000);
  INFO("forecast " << f.total << " [" << f.lower << ", " << f.upper << "]");
  // 12 days left: the flat medians alone would say 9000 + 12 * 300 = 12,600.
  CHECK(f.total > 9000 + 12 * 600);
  CHECK(f.lower <= 9000 + 12 * 300 + 1);     // the old level stays inside the interval
  CHECK(f.upper >= 9000 + 12 * last);        // so does the level it has reached
  CHECK((f.upper - f.lower) / f.total > 0.3);  // and the interval says how unsure that is
}

TEST_CASE("budgets alert on the actual and on the forecast at each threshold", "[detect][budgets]") {
  testing::TempDir dir;
  auto db = storage::open_migrated(dir.file("b.db"));
  testing::CostFixture fx(db);
  const Day sep1 = Day(std::chrono::year(2024) / 9 / 1);
  // August for history, then September: $500 a day for payments, $200 a day for search.
  for (Day d = sep1 - days{31}; d <= sep1 + days{19}; d += days{1}) {
    fx.add(testing::CostRow(format_day(d), 500, "payments"));
    fx.add(testing::CostRow(format_day(d), 200, "search"));
  }
  auto config = budget_config();
  const Day as_of = sep1 + days{19};  // Sep 20: MTD $10,000 = 83% of $12,000

  auto status = team_budget_status(db, config, "payments", as_of);
  REQUIRE(status);
  CHECK(status->month_to_date == Approx(10000));
  CHECK(status->days_elapsed == 20);
  CHECK(status->days_in_month == 30);
  CHECK(status->forecast == Approx(15000));
  CHECK(status->forecast_lower <= 15000);
  CHECK(status->forecast_upper >= 15000);
  CHECK(status->used == Approx(10000.0 / 12000));
  CHECK(status->pace == Approx(10000.0 / (12000.0 * 20 / 30)));
  CHECK(status->forecast_used == Approx(1.25));
  CHECK_FALSE(team_budget_status(db, config, "nobody", as_of));

  auto summary = run_detection(db, config, start_of(as_of) + 86400, as_of);
  FindingStore store(db);
  auto payments = store.findings(FindingQuery().for_team("payments"));
  REQUIRE(payments.size() == 2);
  std::map<std::string, Finding> by_kind;
  for (auto& f : payments) by_kind[f.kind] = f;
  REQUIRE(by_kind.count("budget_actual"));
  REQUIRE(by_kind.count("budget_forecast"));
  CHECK_THAT(by_kind["budget_actual"].title, Catch::Contains("payments has spent 83% of its $12,000 2024-09 budget"));
  CHECK(by_kind["budget_forecast"].actual == Approx(15000));
  CHECK(by_kind["budget_forecast"].impact_per_month == Approx(3000));
  CHECK(by_kind["budget_forecast"].impact_per_day == Approx(100));
  CHECK(by_kind["budget_forecast"].severity == "medium");  // forecast over 100%
  CHECK(store.findings(FindingQuery().for_team("search")).empty());  // $4,000 of $50,000
  CHECK(summary.incidents_opened == 2);  // one per scope and kind

  SECTION("crossing 100% adds a finding to the same incident; a new month resolves them") {
    for (Day d = sep1 + days{20}; d <= sep1 + days{29}; d += days{1}) fx.add(testing::CostRow(format_day(d), 500, "payments"));
    run_detection(db, config, start_of(sep1 + days{29}) + 86400, sep1 + days{29});
    auto actual = store.incidents(FindingQuery::open().with_kind("budget_actual"));
    REQUIRE(actual.size() == 1);
    CHECK(actual[0].finding_count == 2);
    CHECK(actual[0].severity == "high");

    fx.add(testing::CostRow("2024-10-01", 500, "payments"));
    auto october = run_detection(db, config, start_of(sep1 + days{30}) + 86400, sep1 + days{30});
    CHECK(october.incidents_resolved == 1);  // September's actual is history
    CHECK(store.incidents(FindingQuery::open().with_kind("budget_actual")).empty());
    // ... while October at $500 a day is already forecast past the budget: a new incident.
    auto forecast = store.incidents(FindingQuery::open().with_kind("budget_forecast"));
    REQUIRE(forecast.size() == 1);
    CHECK(forecast[0].first_day == Day(std::chrono::year(2024) / 10 / 1));
  }
}
