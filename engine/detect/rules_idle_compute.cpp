#include <fmt/format.h>

#include "engine/detect/rule_support.hpp"

namespace costbot::detect {

// Compute whose CPU stayed under a small percentage every day for a week or more: stopping it
// saves its whole cost.
RuleKind idle_compute_kind() {
  RuleKind k;
  k.name = std::string(kIdleCompute);
  k.summary = "compute whose daily mean CPU stayed below max_cpu_percent on each of the last min_days days";
  k.signals = "usage metric (option metric, CPU %) from the usage CSV; nothing in a bill says CPU";
  k.thresholds = {{"max_cpu_percent", 5, 0, 100, "daily mean CPU % below which a day counts as idle"},
                  {"min_days", 7, 1, 90, "idle days in a row, ending with the latest day"}};
  k.options = {{"metric", {"cpu_utilization"}, {}, "usage_metrics metric holding CPU %"}};
  k.default_remediation =
      "Stop or terminate {name} ({resource}) in account {account}, {region}: its CPU stayed under {max_cpu_percent}% "
      "for {min_days} days. If it must exist, snapshot it and stop it, or move it to a schedule.";
  k.retune_threshold = "max_cpu_percent";
  k.lower_is_stricter = true;
  k.evaluate = [](const config::RuleConfig& rule, const RuleContext& ctx) {
    const double max_cpu = threshold(ctx, "max_cpu_percent");
    const int days = static_cast<int>(threshold(ctx, "min_days"));
    const Day from = ctx.as_of - std::chrono::days{days - 1};
    auto metrics = daily_metric_means(ctx.db, option(rule, "metric", "cpu_utilization"), from, ctx.as_of);
    auto cost = average_daily_cost(ctx.db, ctx.as_of, 7);
    std::vector<Finding> out;
    for (const auto& r : resources_in_scope(ctx.db, rule)) {
      auto m = metrics.find(r.id);
      if (m == metrics.end() || static_cast<int>(m->second.size()) < days) continue;  // every day must be measured
      double peak = 0;
      for (const auto& [day, mean] : m->second) peak = std::max(peak, mean);
      if (peak >= max_cpu) continue;
      double impact = cost.count(r.id) ? cost[r.id] : 0;
      if (impact <= 0) continue;
      auto f = resource_finding(rule, ctx, r, impact, "Idle compute: {name} ({impact_per_day}/day)",
                                "{name} ran at most {peak}% CPU on each of the last {min_days} days while costing "
                                "{impact_per_day} a day ({impact_per_month} a month).",
                                {{"peak", fmt::format("{:.1f}", peak)}});
      f.expected = 0;
      f.upper = max_cpu;
      out.push_back(std::move(f));
    }
    return out;
  };
  return k;
}

}  // namespace costbot::detect
