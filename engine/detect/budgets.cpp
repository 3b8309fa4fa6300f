#include "engine/detect/budgets.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "engine/detect/rule_support.hpp"
#include "engine/detect/small_medians.hpp"
#include "engine/detect/tuning.hpp"
#include "engine/util/format.hpp"

namespace costbot::detect {
namespace {

using std::chrono::days;

}  // namespace

MonthForecast forecast_month(const std::vector<double>& recent, Day as_of, double mtd) {
  MonthForecast f{mtd, mtd, mtd};
  const int remaining = days_in_month(as_of) - static_cast<int>(static_cast<unsigned>(std::chrono::year_month_day{as_of}.day()));
  if (remaining <= 0 || recent.empty()) return f;
  // Expected cost of each weekday: the median of that weekday over the recent weeks.
  const int n = static_cast<int>(recent.size());
  std::vector<std::vector<double>> by_weekday(7);
  for (int i = 0; i < n; ++i) by_weekday[weekday(as_of - days{n - 1 - i})].push_back(recent[static_cast<std::size_t>(i)]);
  std::vector<double> rate(7, medians::median_of_copy(recent));
  for (int w = 0; w < 7; ++w)
    if (!by_weekday[w].empty()) rate[w] = medians::median_of_copy(by_weekday[w]);
  std::vector<double> residuals;
  for (int i = 0; i < n; ++i)
    residuals.push_back(std::abs(recent[static_cast<std::size_t>(i)] - rate[weekday(as_of - days{n - 1 - i})]));
  const double sigma = 1.4826 * medians::median_of_copy(residuals);
  double rest = 0;
  for (int k = 1; k <= remaining; ++k) rest += rate[weekday(as_of + days{k})];
  // Day-to-day noise adds up as sqrt(days); an error in the level itself adds up linearly.
  const double r = remaining;
  const double half = 1.645 * sigma * std::sqrt(r + r * r / std::max(n, 1));
  f.total = mtd + rest;
  f.lower = std::max(mtd, f.total - half);
  f.upper = f.total + half;
  return f;
}

BudgetStatus budget_status(storage::Database& db, const std::string& name, const std::string& dim, const std::string& value,
                           const query::Filters& filters, const config::BudgetConfig& budget, Day as_of) {
  BudgetStatus s;
  s.name = name;
  s.scope_dimension = dim;
  s.scope_value = value;
  for (const auto& f : filters) s.scope_label += (s.scope_label.empty() ? "" : ", ") + std::string(query::name_of(f.dimension)) + "=" + f.value;
  s.team = dim == "team" ? value : "";
  s.budget = budget.monthly;
  s.thresholds = budget.thresholds;
  std::sort(s.thresholds.begin(), s.thresholds.end());
  s.as_of = as_of;
  s.month_start = first_of_month(as_of);
  s.days_in_month = days_in_month(as_of);
  s.days_elapsed = (as_of - s.month_start).count() + 1;
  query::CostQuery q(db);
  s.month_to_date = q.grand_total(query::Period{s.month_start, as_of + days{1}, ""}, filters).effective;
  auto recent = q.daily_total(query::Period{as_of - days{27}, as_of + days{1}, ""}, filters);
  auto f = forecast_month(recent, as_of, s.month_to_date);
  s.forecast = f.total;
  s.forecast_lower = f.lower;
  s.forecast_upper = f.upper;
  if (s.budget > 0) {
    s.used = s.month_to_date / s.budget;
    s.forecast_used = s.forecast / s.budget;
    double expected_so_far = s.budget * s.days_elapsed / s.days_in_month;
    s.pace = expected_so_far > 0 ? s.month_to_date / expected_so_far : 0;
  }
  return s;
}

std::vector<BudgetStatus> budget_statuses(storage::Database& db, const config::Config& config, Day as_of) {
  std::vector<BudgetStatus> out;
  for (const auto& team : config.teams)
    if (team.budget.monthly > 0)
      out.push_back(budget_status(db, team.name, "team", team.name, {{query::Dimension::team, team.name}}, team.budget, as_of));
  for (const auto& b : config.detection.budgets) {
    query::Filters filters;
    for (const auto& [dim, value] : b.scope)
      if (auto d = query::parse_dimension(dim)) filters.push_back({*d, value});
    auto s = budget_status(db, b.name, "budget", b.name, filters, b.budget, as_of);
    if (auto it = b.scope.find("team"); it != b.scope.end()) s.team = it->second;
    out.push_back(std::move(s));
  }
  return out;
}

std::optional<BudgetStatus> team_budget_status(storage::Database& db, const config::Config& config, const std::string& team,
                                               Day as_of) {
  const auto* t = config.find_team(team);
  if (!t || t->budget.monthly <= 0) return std::nullopt;
  return budget_status(db, t->name, "team", t->name, {{query::Dimension::team, t->name}}, t->budget, as_of);
}

std::vector<Finding> budget_findings(const BudgetStatus& s, const config::Config& config) {
  std::vector<Finding> out;
  if (s.budget <= 0) return out;
  const std::string& currency = config.currency.base;
  const std::string month = format_month(s.as_of);
  const double overrun = std::max(0.0, s.forecast - s.budget);
  for (double t : s.thresholds) {
    const bool actual = s.month_to_date >= t * s.budget;
    const bool forecast = !actual && s.forecast >= t * s.budget;
    if (!actual && !forecast) continue;
    Finding f;
    f.kind = std::string(actual ? kBudgetActual : kBudgetForecast);
    f.rule_id = budget_rule_id(s.name);
    f.fingerprint = fmt::format("{}|{}|{}|{:g}", f.kind, s.name, month, t);
    f.scope_dimension = s.scope_dimension;
    f.scope_value = s.scope_value;
    f.team = s.team;
    f.day = s.as_of;
    f.window_start = s.month_start;
    f.window_end = s.month_start + days{s.days_in_month - 1};
    f.expected = s.budget;
    f.actual = actual ? s.month_to_date : s.forecast;
    f.lower = s.forecast_lower;
    f.upper = s.forecast_upper;
    f.impact_per_month = overrun;
    f.impact_per_day = overrun / s.days_in_month;
    f.percent_change = f.actual / s.budget - 1;
    f.score = actual ? 1.0 : std::clamp((s.forecast - t * s.budget) / std::max(s.forecast_upper - s.forecast, 1.0) * 0.5 + 0.5, 0.5, 1.0);
    const std::string floor = t >= 1.0 ? (actual ? "high" : "medium") : "low";
    f.severity = severity_for(config, s.team, f.impact_per_day, floor);
    const std::string who = s.scope_dimension == "team" ? s.name : s.name + " (" + s.scope_label + ")";
    if (actual) {
      f.title = fmt::format("{} has spent {} of its {} {} budget", who, fmtx::percent(s.used), fmtx::money(s.budget, 0, currency), month);
      f.summary = fmt::format("{} spent {} by {} ({} of {}); at this pace the month ends near {} ({} to {}).", who,
                              fmtx::money(s.month_to_date, 0, currency), fmtx::day_short(s.as_of), fmtx::percent(s.used),
                              fmtx::money(s.budget, 0, currency), fmtx::money(s.forecast, 0, currency),
                              fmtx::money(s.forecast_lower, 0, currency), fmtx::money(s.forecast_upper, 0, currency));
    } else {
      f.title = fmt::format("{} is forecast to reach {} of its {} {} budget", who, fmtx::percent(s.forecast_used),
                            fmtx::money(s.budget, 0, currency), month);
      f.summary = fmt::format("{} has spent {} so far ({} of the budget after {} of {} days); the month-end forecast is {} "
                              "(90%: {} to {}), crossing the {} threshold.",
                              who, fmtx::money(s.month_to_date, 0, currency), fmtx::percent(s.used), s.days_elapsed,
                              s.days_in_month, fmtx::money(s.forecast, 0, currency), fmtx::money(s.forecast_lower, 0, currency),
                              fmtx::money(s.forecast_upper, 0, currency), fmtx::percent(t));
    }
    f.remediation.text = overrun > 0
                             ? fmt::format("Review the largest cost increases for {} this month (costbot costs --by service "
                                           "--period mtd --where {}) and cut or defer about {}; or raise the budget.",
                                           who, s.scope_label, fmtx::money(overrun, 0, currency))
                             : fmt::format("Watch {}: it is on track to cross {} of budget. Check recent increases with "
                                           "costbot costs --by service --period mtd --where {}.",
                                           who, fmtx::percent(t), s.scope_label);
    out.push_back(std::move(f));
  }
  return out;
}

boost::json::object to_json(const BudgetStatus& s) {
  boost::json::array thresholds;
  for (double t : s.thresholds) thresholds.push_back(t);
  return {{"name", s.name},
          {"scope", {{"dimension", s.scope_dimension}, {"value", s.scope_value}, {"label", s.scope_label}}},
          {"team", s.team},
          {"budget", s.budget},
          {"thresholds", thresholds},
          {"as_of", format_day(s.as_of)},
          {"month", format_month(s.as_of)},
          {"days_elapsed", s.days_elapsed},
          {"days_in_month", s.days_in_month},
          {"month_to_date", s.month_to_date},
          {"forecast", s.forecast},
          {"forecast_lower", s.forecast_lower},
          {"forecast_upper", s.forecast_upper},
          {"pace", s.pace},
          {"used", s.used},
          {"forecast_used", s.forecast_used}};
}

}  // namespace costbot::detect
