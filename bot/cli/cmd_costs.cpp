#include <fmt/format.h>

#include <iostream>
#include <map>

#include "bot/cli/cli.hpp"
#include "bot/cli/output.hpp"
#include "engine/query/cost_sources.hpp"
#include "engine/query/costs.hpp"
#include "engine/util/error.hpp"
#include "engine/util/format.hpp"
#include "engine/util/strings.hpp"

namespace costbot::cli {
namespace {

struct CostsOptions {
  std::string by = "provider";
  std::string from, to, format = "table", period;
  std::vector<std::string> filters;
  std::size_t limit = 0;
};

std::optional<Day> day_option(const std::string& value, const char* flag) {
  if (value.empty()) return std::nullopt;
  auto d = parse_day(value);
  if (!d) throw invalid_input(std::string(flag) + ": expected a date like 2024-09-18, got \"" + value + "\"");
  return d;
}

void run_costs(Context& ctx, const CostsOptions& o) {
  auto by = query::parse_dimension(o.by);
  if (!by)
    throw invalid_input("--by: unknown dimension \"" + o.by + "\" (valid: " + text::join(query::dimension_names(), ", ") + ")");
  query::Period period = query::between(day_option(o.from, "--from"), day_option(o.to, "--to"));
  if (!o.period.empty()) {
    auto p = query::parse_period(o.period, default_clock().today());
    if (!p) throw invalid_input("--period: expected 7d, 30d, mtd, last-month or YYYY-MM, got \"" + o.period + "\"");
    period = *p;
  }
  query::Filters filters;
  for (const auto& f : o.filters) {
    auto eq = f.find('=');
    auto dim = eq == std::string::npos ? std::nullopt : query::parse_dimension(f.substr(0, eq));
    if (!dim) throw invalid_input("--where: expected DIMENSION=VALUE such as team=payments, got \"" + f + "\"");
    filters.push_back({*dim, f.substr(eq + 1)});
  }

  auto& db = ctx.database();
  query::CostQuery q(db);
  auto rows = q.totals(*by, period, filters, o.limit);
  auto total = q.grand_total(period, filters);
  const std::string& currency = ctx.config().currency.base;
  // Which source each figure came from (an account read from its export and Cost Explorer shows
  // the export's days and Cost Explorer's newer ones).
  std::map<std::string, std::vector<query::CostSource>> sources;
  for (auto& c : query::cost_sources(db, *by, period, filters)) sources[c.key].push_back(std::move(c));
  auto source_text = [&](const std::string& key) {
    auto it = sources.find(key);
    if (it == sources.end()) return std::string();
    if (it->second.size() == 1) return it->second.front().label();
    std::vector<std::string> parts;
    for (const auto& c : it->second) {
      auto from = format_day(c.first).substr(5), to = format_day(c.last).substr(5);
      parts.push_back(c.label() + " " + (from == to ? from : from + ".." + to));
    }
    return text::join(parts, "; ");
  };

  if (o.format == "json") {
    boost::json::array items;
    for (const auto& r : rows) {
      boost::json::array from;
      if (auto it = sources.find(r.key); it != sources.end())
        for (const auto& c : it->second)
          from.push_back({{"source", c.source}, {"kind", c.kind}, {"from", format_day(c.first)},
                          {"to", format_day(c.last)}, {"estimated", c.estimated}});
      items.push_back({{"key", r.key}, {"label", r.label}, {"billed_cost", r.billed}, {"effective_cost", r.effective},
                       {"list_cost", r.list}, {"rows", r.rows}, {"sources", std::move(from)}});
    }
    print_json(std::cout, boost::json::object{{"by", o.by},
                                              {"from", format_day(period.from)},
                                              {"to", format_day(period.to - std::chrono::days{1})},
                                              {"currency", currency},
                                              {"rows", items},
                                              {"total", {{"billed_cost", total.billed}, {"effective_cost", total.effective}}}});
    return;
  }
  Table t;
  t.headers = {std::string(query::name_of(*by)), "BilledCost", "EffectiveCost", "rows", "source"};
  t.right_aligned = {false, true, true, true, false};
  for (const auto& r : rows) {
    std::string name = r.key.empty() ? "(none)" : r.label == r.key ? r.key : r.label + " (" + r.key + ")";
    if (o.format == "csv")
      t.rows.push_back({r.key, fmt::format("{:.2f}", r.billed), fmt::format("{:.2f}", r.effective), std::to_string(r.rows),
                        source_text(r.key)});
    else
      t.rows.push_back({name, fmtx::money(r.billed, 2, currency), fmtx::money(r.effective, 2, currency),
                        std::to_string(r.rows), source_text(r.key)});
  }
  if (o.format == "csv") {
    print_csv(std::cout, t);
    return;
  }
  t.rows.push_back({"TOTAL", fmtx::money(total.billed, 2, currency), fmtx::money(total.effective, 2, currency),
                    std::to_string(total.rows), ""});
  std::cout << "Costs by " << query::name_of(*by) << ", " << period.label << "\n";
  print_table(std::cout, t);
}

}  // namespace

void add_costs_command(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<CostsOptions>();
  auto* cmd = app.add_subcommand("costs", "Print cost totals (BilledCost and EffectiveCost) by a dimension");
  cmd->add_option("--by", o->by, "provider, service, team, account, resource, sku, region, ...");
  cmd->add_option("--from", o->from, "First day, YYYY-MM-DD (default: all data)");
  cmd->add_option("--to", o->to, "Last day, inclusive, YYYY-MM-DD");
  cmd->add_option("--period", o->period, "Instead of --from/--to: 7d, 30d, mtd, last-month, YYYY-MM");
  cmd->add_option("--where", o->filters, "Filter DIMENSION=VALUE (repeatable), e.g. team=payments");
  cmd->add_option("--limit", o->limit, "Show only the top N (0 = all)");
  cmd->add_option("--format", o->format, "table, json or csv")->check(CLI::IsMember({"table", "json", "csv"}));
  cmd->callback([&ctx, o] { run_costs(ctx, *o); });
}

}  // namespace costbot::cli
