#pragma once
// Monthly budgets per team (teams[].budget) and per scope (detection.budgets): month-to-date
// actual, a weekday-aware month-end forecast with a 90% interval, pace, and the findings raised
// when actual or forecast crosses a threshold.
#include <optional>
#include <string>
#include <vector>

#include "engine/config/config.hpp"
#include "engine/detect/finding.hpp"
#include "engine/query/costs.hpp"

namespace costbot::detect {

struct BudgetStatus {
  std::string name;             // the team's name, or the scope budget's name
  std::string scope_dimension;  // team, or "budget" for scope budgets
  std::string scope_value;
  std::string scope_label;      // "team=payments", "service=Amazon EC2"
  std::string team;
  double budget = 0;            // monthly, base currency
  std::vector<double> thresholds;
  Day as_of{};                  // the last day counted (latest data)
  Day month_start{};
  int days_elapsed = 0;         // days of the month up to as_of
  int days_in_month = 0;
  double month_to_date = 0;
  double forecast = 0;          // month-end total
  double forecast_lower = 0;    // 90% interval
  double forecast_upper = 0;
  double pace = 0;              // MTD / (budget * days_elapsed / days_in_month): 1.0 = on budget
  double used = 0;              // MTD / budget
  double forecast_used = 0;     // forecast / budget
};

// Forecast of the remaining days of the month from the daily series before (and including) as_of.
struct MonthForecast {
  double total = 0, lower = 0, upper = 0;
};
MonthForecast forecast_month(const std::vector<double>& recent_days, Day as_of, double month_to_date);

BudgetStatus budget_status(storage::Database& db, const std::string& name, const std::string& scope_dimension,
                           const std::string& scope_value, const query::Filters& filters, const config::BudgetConfig& budget,
                           Day as_of);
// Every configured budget (teams with a monthly budget, then scope budgets).
std::vector<BudgetStatus> budget_statuses(storage::Database& db, const config::Config& config, Day as_of);
std::optional<BudgetStatus> team_budget_status(storage::Database& db, const config::Config& config,
                                               const std::string& team, Day as_of);
// The budget a finding is about (a budget finding's own, else its team's), as `costbot budgets`
// reports it at this moment: as of the latest day with cost data, or the last day of the month
// for a budget finding about a month that has ended (never next month's figures beside it).
std::optional<BudgetStatus> budget_for_finding(storage::Database& db, const config::Config& config, const Finding& f);
// The cost rows a budget counts (its team, or its scope's dimensions).
query::Filters budget_filters(const config::Config& config, const BudgetStatus& s);

// Findings for thresholds crossed by the actual (budget_actual) or by the forecast only
// (budget_forecast), one per threshold and month.
std::vector<Finding> budget_findings(const BudgetStatus& status, const config::Config& config);

boost::json::object to_json(const BudgetStatus& s);

}  // namespace costbot::detect
