#include <iostream>

#include "bot/cli/cli.hpp"
#include "bot/cli/output.hpp"
#include "engine/detect/budgets.hpp"
#include "engine/query/costs.hpp"
#include "engine/util/error.hpp"
#include "engine/util/format.hpp"

namespace costbot::cli {

void add_budgets_command(CLI::App& app, Context& ctx) {
  struct Options {
    std::string team, as_of, format = "table";
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("budgets", "Budget status per team and scope: month-to-date, month-end forecast with a 90% interval, pace");
  cmd->add_option("--team", o->team, "Only this team");
  cmd->add_option("--as-of", o->as_of, "Day to evaluate, YYYY-MM-DD (default: the latest day with cost data)");
  cmd->add_option("--format", o->format, "table or json")->check(CLI::IsMember({"table", "json"}));
  cmd->callback([&ctx, o] {
    auto& db = ctx.database();
    Day as_of = default_clock().today();
    if (!o->as_of.empty()) {
      auto d = parse_day(o->as_of);
      if (!d) throw invalid_input("--as-of: expected a date like 2024-09-18, got \"" + o->as_of + "\"");
      as_of = *d;
    } else if (auto range = query::CostQuery(db).data_range()) {
      as_of = range->second;
    }
    std::vector<detect::BudgetStatus> list;
    if (!o->team.empty()) {
      auto s = detect::team_budget_status(db, ctx.config(), o->team, as_of);
      if (!s) throw not_found("team \"" + o->team + "\" has no budget in the config (teams[].budget.monthly)");
      list.push_back(*s);
    } else {
      list = detect::budget_statuses(db, ctx.config(), as_of);
    }
    if (o->format == "json") {
      boost::json::array a;
      for (const auto& s : list) a.push_back(detect::to_json(s));
      print_json(std::cout, boost::json::object{{"as_of", format_day(as_of)}, {"budgets", a}});
      return;
    }
    const auto& currency = ctx.config().currency.base;
    Table t;
    t.headers = {"budget", "scope", "monthly", "month to date", "used", "forecast", "90% interval", "forecast used", "pace"};
    t.right_aligned = {false, false, true, true, true, true, true, true, true};
    for (const auto& s : list)
      t.rows.push_back({s.name, s.scope_label, fmtx::money(s.budget, 0, currency), fmtx::money(s.month_to_date, 0, currency),
                        fmtx::percent(s.used), fmtx::money(s.forecast, 0, currency),
                        fmtx::money_short(s.forecast_lower, currency) + " - " + fmtx::money_short(s.forecast_upper, currency),
                        fmtx::percent(s.forecast_used), fmtx::percent(s.pace)});
    std::cout << "Budgets, " << format_month(as_of) << " as of " << format_day(as_of) << "\n";
    print_table(std::cout, t);
  });
}

}  // namespace costbot::cli
