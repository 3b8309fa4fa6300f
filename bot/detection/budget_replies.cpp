// `budget [TEAM]` and `forecast [TEAM]`: month to date against budget, and the month-end forecast
// with its 90% interval, from the detection engine's budget_status / forecast_month.
#include <algorithm>
#include <optional>

#include "bot/commands/team_lookup.hpp"
#include "bot/detection/detection_replies.hpp"
#include "engine/detect/budgets.hpp"
#include "engine/util/format.hpp"

namespace costbot::detection_chat {
namespace {


// "August 2024": the month a budget is about, as people write it.
std::string month_of(Day d) {
  static const char* const kNames[] = {"January", "February", "March",     "April",   "May",      "June",
                                       "July",    "August",   "September", "October", "November", "December"};
  const std::chrono::year_month_day ymd{d};
  return std::string(kNames[static_cast<unsigned>(ymd.month()) - 1]) + " " + std::to_string(static_cast<int>(ymd.year()));
}

// The day the figures are as of: the latest day with cost data, never after today.
std::optional<Day> as_of_day(const ReplyContext& ctx) {
  auto range = query::CostQuery(ctx.db).data_range();
  if (!range) return std::nullopt;
  return std::min(range->second, ctx.today);
}

std::string as_of_text(Day as_of) {
  return "As of " + fmtx::day_long(as_of) + " (the latest cost data)";
}

// "over 100%", "forecast over 80%", "on track": the highest threshold crossed by the actual
// month to date, else by the forecast.
std::string status_of(const detect::BudgetStatus& s) {
  double actual = 0, forecast = 0;
  for (double t : s.thresholds) {
    if (s.month_to_date >= t * s.budget) actual = std::max(actual, t);
    if (s.forecast >= t * s.budget) forecast = std::max(forecast, t);
  }
  if (actual > 0) return "over " + fmtx::percent(actual);
  if (forecast > 0) return "forecast over " + fmtx::percent(forecast);
  return "on track";
}

std::string interval_of(const detect::BudgetStatus& s, const std::string& currency) {
  return fmtx::money(s.forecast_lower, 0, currency) + " – " + fmtx::money(s.forecast_upper, 0, currency);
}

struct Scope {
  std::string team;  // empty = every team
  const config::TeamConfig* configured = nullptr;
  std::string error;
};

Scope scope_of(const ReplyContext& ctx, const std::string& typed) {
  Scope s;
  if (typed.empty()) return s;
  query::CostQuery costs(ctx.db);
  auto found = commands::lookup_team(ctx.config.teams, costs, typed);
  s.team = found.name;
  s.configured = found.configured;
  s.error = found.error;
  return s;
}

// The configured budgets, or those of one team (its own and scope budgets that name it).
std::vector<detect::BudgetStatus> budgets_of(const ReplyContext& ctx, const std::string& team, Day as_of) {
  auto all = detect::budget_statuses(ctx.db, ctx.config, as_of);
  if (team.empty()) return all;
  std::vector<detect::BudgetStatus> mine;
  for (auto& s : all)
    if (s.team == team) mine.push_back(std::move(s));
  return mine;
}

// Month to date and forecast of everything, or of one team, with no budget attached.
detect::BudgetStatus spend_of(const ReplyContext& ctx, const std::string& team, Day as_of) {
  query::Filters filters;
  if (!team.empty()) filters.push_back({query::Dimension::team, team});
  return detect::budget_status(ctx.db, team.empty() ? "all spend" : team, team.empty() ? "" : "team", team, filters,
                               config::BudgetConfig{0, {}}, as_of);
}

std::string no_budget_text(const std::string& team) {
  return team.empty() ? "No budgets are configured (`teams[].budget.monthly` or `detection.budgets` in the config)."
                      : "Team " + team + " has no budget in the config (`teams[].budget.monthly`).";
}

}  // namespace

chat::Reply budget_reply(const ReplyContext& ctx, const commands::Budget& command) {
  const std::string& currency = ctx.config.currency.base;
  auto scope = scope_of(ctx, command.team);
  if (!scope.error.empty()) return chat::Reply::plain(scope.error);
  auto as_of = as_of_day(ctx);
  if (!as_of) return chat::Reply::plain("There is no cost data yet: budgets are measured against ingested costs.");
  auto list = budgets_of(ctx, scope.team, *as_of);

  chat::Reply r;
  r.visibility = chat::Visibility::in_channel;
  r.title = "Budget" + std::string(list.size() == 1 ? "" : "s") + (scope.team.empty() ? "" : " · " + scope.team) +
            " · " + month_of(*as_of);
  if (list.empty()) {
    r.text(no_budget_text(scope.team));
    auto spend = spend_of(ctx, scope.team, *as_of);
    r.fields({{"Month to date", fmtx::money(spend.month_to_date, 0, currency)},
              {"Forecast month-end", fmtx::money(spend.forecast, 0, currency)}});
    r.context(as_of_text(*as_of));
    r.fallback = r.title + ": no budget; " + fmtx::money(spend.month_to_date, 0, currency) + " month to date";
    return r;
  }
  if (list.size() == 1) {
    const auto& s = list.front();
    r.fields({{"Budget", fmtx::money(s.budget, 0, currency) + " (" + s.scope_label + ")"},
              {"Month to date", fmtx::money(s.month_to_date, 0, currency) + " · " + fmtx::percent(s.used) + " used"},
              {"Pace", fmtx::percent(s.pace) + " of the budget's daily share (day " + std::to_string(s.days_elapsed) +
                           " of " + std::to_string(s.days_in_month) + ")"},
              {"Forecast month-end", fmtx::money(s.forecast, 0, currency) + " · " + fmtx::percent(s.forecast_used) + " of budget"},
              {"Status", status_of(s)}});
    r.fallback = r.title + ": " + fmtx::money(s.month_to_date, 0, currency) + " of " + fmtx::money(s.budget, 0, currency) +
                 " (" + fmtx::percent(s.used) + "), " + status_of(s);
  } else {
    chat::TableBlock t;
    t.columns = {"budget", "monthly", "month to date", "used", "pace", "status"};
    t.right_aligned = {false, true, true, true, true, false};
    int on_track = 0;
    for (std::size_t n = 0; n < list.size() && n < kMaxRows; ++n) {
      const auto& s = list[n];
      t.rows.push_back({s.name, fmtx::money(s.budget, 0, currency), fmtx::money(s.month_to_date, 0, currency),
                        fmtx::percent(s.used), fmtx::percent(s.pace), status_of(s)});
    }
    for (const auto& s : list) on_track += status_of(s) == "on track";
    r.table(std::move(t));
    r.fallback = r.title + ": " + std::to_string(on_track) + " of " + std::to_string(list.size()) + " on track";
  }
  r.context(as_of_text(*as_of) + " · pace 100% = spending exactly the budget's daily share · `" + ctx.command_prefix +
            " forecast" + (scope.team.empty() ? "" : " " + scope.team) + "` for the month-end view");
  return r;
}

chat::Reply forecast_reply(const ReplyContext& ctx, const commands::Forecast& command) {
  const std::string& currency = ctx.config.currency.base;
  auto scope = scope_of(ctx, command.team);
  if (!scope.error.empty()) return chat::Reply::plain(scope.error);
  auto as_of = as_of_day(ctx);
  if (!as_of) return chat::Reply::plain("There is no cost data yet to forecast from.");
  const auto spend = spend_of(ctx, scope.team, *as_of);
  const auto budgets = budgets_of(ctx, scope.team, *as_of);

  chat::Reply r;
  r.visibility = chat::Visibility::in_channel;
  r.title = "Month-end forecast · " + (scope.team.empty() ? std::string("all spend") : scope.team) + " · " +
            month_of(*as_of);
  std::vector<chat::Field> fields{
      {"Forecast month-end", fmtx::money(spend.forecast, 0, currency)},
      {"90% interval", interval_of(spend, currency)},
      {"Month to date", fmtx::money(spend.month_to_date, 0, currency) + " (day " + std::to_string(spend.days_elapsed) +
                            " of " + std::to_string(spend.days_in_month) + ")"}};
  if (budgets.size() == 1 && scope.team == budgets.front().team && !scope.team.empty()) {
    const auto& b = budgets.front();
    fields.push_back({"Budget" + (b.name == b.team ? std::string() : " " + b.name),
                      fmtx::money(b.budget, 0, currency) + " · forecast " + fmtx::percent(b.forecast_used) + " of it · " +
                          status_of(b)});
  }
  r.fields(std::move(fields));
  if (!budgets.empty() && !(budgets.size() == 1 && !scope.team.empty())) {
    chat::TableBlock t;
    t.columns = {"budget", "forecast", "90% interval", "monthly", "of budget", "status"};
    t.right_aligned = {false, true, true, true, true, false};
    for (std::size_t n = 0; n < budgets.size() && n < kMaxRows; ++n) {
      const auto& b = budgets[n];
      t.rows.push_back({b.name, fmtx::money(b.forecast, 0, currency), interval_of(b, currency),
                        fmtx::money(b.budget, 0, currency), fmtx::percent(b.forecast_used), status_of(b)});
    }
    r.table(std::move(t));
  } else if (budgets.empty()) {
    r.text(no_budget_text(scope.team));
  }
  r.context(as_of_text(*as_of) + " · weekday-aware: each remaining day at the median of its weekday over the last 4 weeks");
  r.fallback = r.title + ": " + fmtx::money(spend.forecast, 0, currency) + " (" + interval_of(spend, currency) + ")";
  return r;
}

}  // namespace costbot::detection_chat
