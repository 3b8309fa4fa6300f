#include <fmt/format.h>

#include "engine/detect/rule_support.hpp"
#include "engine/ingest/cost_record.hpp"

namespace costbot::detect {

// Reservations and savings plans used below a small percentage: the unused share of their cost
// is waste until they are exchanged, sold, or the workload is moved onto them.
RuleKind unused_commitment_kind() {
  RuleKind k;
  k.name = std::string(kUnusedCommitment);
  k.summary = "reservations / savings plans averaging below max_utilization_percent over `days` days";
  k.signals = "usage metric (option metric) if collected, else billing: the amortized export's unused-commitment rows";
  k.thresholds = {{"max_utilization_percent", 10, 0, 100, "average utilization % below which it is unused"},
                  {"days", 7, 1, 90, "days averaged"}};
  k.options = {{"metric", {"utilization"}, {}, "usage_metrics metric holding the commitment's utilization %; without it, utilization comes from the amortized export's unused-commitment rows"}};
  k.default_remediation =
      "Commitment {name} ({resource}) was {average}% used over {days} days: move matching workloads onto it, exchange "
      "it (convertible reservations) or list it for sale; stop renewing it.";
  k.retune_threshold = "max_utilization_percent";
  k.lower_is_stricter = true;
  k.evaluate = [](const config::RuleConfig& rule, const RuleContext& ctx) {
    const int days = static_cast<int>(threshold(ctx, "days"));
    const Day from = ctx.as_of - std::chrono::days{days - 1};
    auto metrics = daily_metric_means(ctx.db, option(rule, "metric", "utilization"), from, ctx.as_of);
    // Commitments in amortized exports: their unused share and their whole cost over the window.
    std::map<std::string, std::pair<double, double>> amortized;  // commitment id → (unused, total)
    {
      SQLite::Statement a(ctx.db.sql(),
                          "SELECT commitment_discount_id, SUM(CASE WHEN usage_type = ? THEN effective_cost ELSE 0 END), "
                          "SUM(effective_cost) FROM cost_daily WHERE day > ? AND day <= ? AND commitment_discount_id != '' "
                          "GROUP BY commitment_discount_id");
      a.bind(1, std::string(ingest::kUnusedCommitmentUsage));
      a.bind(2, format_day(ctx.as_of - std::chrono::days{days}));
      a.bind(3, format_day(ctx.as_of));
      while (a.executeStep()) amortized[a.getColumn(0).getString()] = {a.getColumn(1).getDouble(), a.getColumn(2).getDouble()};
    }
    // A commitment's cost: rows billed to it as a resource or carrying its commitment discount id.
    SQLite::Statement q(ctx.db.sql(),
                        "SELECT SUM(effective_cost) FROM cost_daily WHERE day > ? AND day <= ? AND "
                        "(resource_id = ?3 OR commitment_discount_id = ?3)");
    std::vector<Finding> out;
    for (const auto& r : resources_in_scope(ctx.db, rule)) {
      auto m = metrics.find(r.id);
      double average = 0, daily = 0, impact = 0;
      if (m != metrics.end() && !m->second.empty()) {
        double sum = 0;
        for (const auto& [day, mean] : m->second) sum += mean;
        average = sum / static_cast<double>(m->second.size());
        if (average >= threshold(ctx, "max_utilization_percent")) continue;
        q.reset();
        q.bind(1, format_day(ctx.as_of - std::chrono::days{days}));
        q.bind(2, format_day(ctx.as_of));
        q.bind(3, r.id);
        daily = q.executeStep() ? q.getColumn(0).getDouble() / days : 0;
        impact = daily * (1 - average / 100.0);
      } else if (auto a = amortized.find(r.id); a != amortized.end() && a->second.first > 0 && a->second.second > 0) {
        // No utilization metric: the amortized export says how much of it went unused.
        average = 100.0 * (1 - a->second.first / a->second.second);
        if (average >= threshold(ctx, "max_utilization_percent")) continue;
        daily = a->second.second / days;
        impact = a->second.first / days;
      } else {
        continue;
      }
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
