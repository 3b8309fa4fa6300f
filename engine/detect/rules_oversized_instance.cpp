#include <fmt/format.h>

#include "engine/detect/rule_support.hpp"

namespace costbot::detect {

// Instances whose average utilization over a month is low but not idle: one size down saves
// about savings_fraction of their cost.
RuleKind oversized_instance_kind() {
  RuleKind k;
  k.name = std::string(kOversizedInstance);
  k.summary = "compute averaging below max_avg_percent utilization over `days` days (and above min_avg_percent)";
  k.signals = "usage metric (option metric, CPU %) from the usage CSV";
  k.thresholds = {{"max_avg_percent", 40, 0, 100, "average utilization % below which it is oversized"},
                  {"min_avg_percent", 5, 0, 100, "below this it is idle, not oversized (see idle_compute)"},
                  {"days", 30, 7, 365, "days averaged"},
                  {"min_coverage", 0.8, 0, 1, "fraction of those days that must have measurements"},
                  {"savings_fraction", 0.5, 0, 1, "share of the cost saved by moving one size down"}};
  k.options = {{"metric", {"cpu_utilization"}, {}, "usage_metrics metric holding utilization %"}};
  k.default_remediation =
      "Resize {name} ({resource}) one size down: it averaged {average}% utilization over {days} days. Expected "
      "saving about {impact_per_month} a month.";
  k.retune_threshold = "max_avg_percent";
  k.lower_is_stricter = true;
  k.evaluate = [](const config::RuleConfig& rule, const RuleContext& ctx) {
    const int days = static_cast<int>(threshold(ctx, "days"));
    const Day from = ctx.as_of - std::chrono::days{days - 1};
    auto metrics = daily_metric_means(ctx.db, option(rule, "metric", "cpu_utilization"), from, ctx.as_of);
    auto cost = average_daily_cost(ctx.db, ctx.as_of, 7);
    std::vector<Finding> out;
    for (const auto& r : resources_in_scope(ctx.db, rule)) {
      auto m = metrics.find(r.id);
      if (m == metrics.end() || static_cast<double>(m->second.size()) < threshold(ctx, "min_coverage") * days) continue;
      double sum = 0;
      for (const auto& [day, mean] : m->second) sum += mean;
      double average = sum / static_cast<double>(m->second.size());
      if (average >= threshold(ctx, "max_avg_percent") || average < threshold(ctx, "min_avg_percent")) continue;
      double impact = (cost.count(r.id) ? cost[r.id] : 0) * threshold(ctx, "savings_fraction");
      if (impact <= 0) continue;
      auto f = resource_finding(rule, ctx, r, impact, "Oversized instance: {name} averages {average}% ({impact_per_day}/day to save)",
                                "{name} averaged {average}% utilization over {days} days; one size down would save about "
                                "{impact_per_day} a day ({impact_per_month} a month).",
                                {{"average", fmt::format("{:.1f}", average)}});
      f.actual = average;
      f.upper = threshold(ctx, "max_avg_percent");
      f.impact_per_day = impact;
      out.push_back(std::move(f));
    }
    return out;
  };
  return k;
}

}  // namespace costbot::detect
