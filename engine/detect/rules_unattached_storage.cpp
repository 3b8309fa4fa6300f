#include <fmt/format.h>

#include "engine/detect/rule_support.hpp"

namespace costbot::detect {

// Volumes (disks, orphaned snapshots' volumes) not attached to anything for more than min_days:
// deleting them (after a snapshot) saves their whole cost.
RuleKind unattached_storage_kind() {
  RuleKind k;
  k.name = std::string(kUnattachedStorage);
  k.summary = "storage whose `attached` metric has been 0 for more than min_days days";
  k.thresholds = {{"min_days", 7, 1, 365, "days unattached before it is waste"}};
  k.options = {{"metric", {"attached"}, {}, "usage_metrics metric: 1 while attached, 0 while not"}};
  k.default_remediation =
      "Snapshot {name} ({resource}) if its data matters, then delete it: it has not been attached for {days_unattached} "
      "days.";
  k.retune_threshold = "min_days";
  k.lower_is_stricter = false;
  k.evaluate = [](const config::RuleConfig& rule, const RuleContext& ctx) {
    const double min_days = threshold(ctx, "min_days");
    SQLite::Statement q(ctx.db.sql(),
                        "SELECT resource_id, MIN(ts), MAX(ts), MAX(CASE WHEN value >= 0.5 THEN ts END), "
                        "(SELECT value FROM usage_metrics u2 WHERE u2.resource_id = u.resource_id AND u2.metric = u.metric "
                        " AND u2.ts <= ?2 ORDER BY ts DESC LIMIT 1) "
                        "FROM usage_metrics u WHERE metric = ?1 AND ts <= ?2 GROUP BY resource_id");
    q.bind(1, option(rule, "metric", "attached"));
    const UnixSeconds end = start_of(ctx.as_of) + 86400 - 1;
    q.bind(2, static_cast<std::int64_t>(end));
    struct State {
      UnixSeconds detached_since;
      double latest;
    };
    std::map<std::string, State> states;
    while (q.executeStep()) {
      UnixSeconds since = q.getColumn(3).isNull() ? q.getColumn(1).getInt64() : q.getColumn(3).getInt64();
      states[q.getColumn(0).getString()] = {since, q.getColumn(4).getDouble()};
    }
    auto cost = average_daily_cost(ctx.db, ctx.as_of, 7);
    std::vector<Finding> out;
    for (const auto& r : resources_in_scope(ctx.db, rule)) {
      auto s = states.find(r.id);
      if (s == states.end() || s->second.latest >= 0.5) continue;
      double days_unattached = static_cast<double>(end - s->second.detached_since) / 86400.0;
      if (days_unattached <= min_days) continue;
      double impact = cost.count(r.id) ? cost[r.id] : 0;
      if (impact <= 0) continue;
      auto f = resource_finding(rule, ctx, r, impact, "Unattached storage: {name} ({impact_per_day}/day)",
                                "{name} has not been attached to anything for {days_unattached} days and costs "
                                "{impact_per_day} a day ({impact_per_month} a month).",
                                {{"days_unattached", fmt::format("{:.0f}", days_unattached)}});
      f.upper = min_days;
      out.push_back(std::move(f));
    }
    return out;
  };
  return k;
}

}  // namespace costbot::detect
