#include <fmt/format.h>

#include "engine/detect/rule_support.hpp"

namespace costbot::detect {

// Reservations and savings plans used below a small percentage: the unused share of their cost
// is waste until they are exchanged, sold, or the workload is moved onto them.
RuleKind unused_commitment_kind() {
  RuleKind k;
  k.name = std::string(kUnusedCommitment);
  k.summary = "reservations / savings plans averaging below max_utilization_percent over `days` days";
  k.thresholds = {{"max_utilization_percent", 10, 0, 100, "average utilization % below which it is unused"},
                  {"days", 7, 1, 90, "days averaged"}};
  k.options = {{"metric", {"utilization"}, {}, "usage_metrics metric holding the commitment's utilization %"}};
  k.default_remediation =
      "Commitment {name} ({resource}) was {average}% used over {days} days: move matching workloads onto it, exchange "
      "it (convertible reservations) or list it for sale; stop renewing it.";
  k.retune_threshold = "max_utilization_percent";
  k.lower_is_stricter = true;
  k.evaluate = [](const config::RuleConfig& rule, const RuleContext& ctx) {
    const int days = static_cast<int>(threshold(ctx, "days"));
    const Day from = ctx.as_of - std::chrono::days{days - 1};
    auto metrics = daily_metric_means(ctx.db, option(rule, "metric", "utilization"), from, ctx.as_of);
    // A commitment's cost: rows billed to it as a resource or carrying its commitment discount id.
    SQLite::Statement q(ctx.db.sql(),
                        "SELECT SUM(effective_cost) FROM cost_daily WHERE day > ? AND day <= ? AND "
                        "(resource_id = ?3 OR commitment_discount_id = ?3)");
    std::vector<Finding> out;
    for (const auto& r : resources_in_scope(ctx.db, rule)) {
      auto m = metrics.find(r.id);
      if (m == metrics.end() || m->second.empty()) continue;
      double sum = 0;
      for (const auto& [day, mean] : m->second) sum += mean;
      double average = sum / static_cast<double>(m->second.size());
      if (average >= threshold(ctx, "max_utilization_percent")) continue;
      q.reset();
      q.bind(1, format_day(ctx.as_of - std::chrono::days{days}));
      q.bind(2, format_day(ctx.as_of));
      q.bind(3, r.id);
      double daily = q.executeStep() ? q.getColumn(0).getDouble() / days : 0;
      double impact = daily * (1 - average / 100.0);
      if (impact <= 0) continue;
      auto f = resource_finding(rule, ctx, r, impact, "Unused commitment: {name} is {average}% used ({impact_per_day}/day unused)",
                                "{name} costs {daily} a day and was {average}% used over {days} days: {impact_per_day} a "
                                "day ({impact_per_month} a month) buys nothing.",
                                {{"average", fmt::format("{:.1f}", average)},
                                 {"daily", fmt::format("{:.2f}", daily)}});
      f.actual = average;
      f.upper = threshold(ctx, "max_utilization_percent");
      out.push_back(std::move(f));
    }
    return out;
  };
  return k;
}

}  // namespace costbot::detect
