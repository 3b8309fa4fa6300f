#include <fmt/format.h>

#include <set>

#include "engine/detect/rule_support.hpp"
#include "engine/util/strings.hpp"

namespace costbot::detect {

namespace {

bool matches_any_glob(const std::vector<std::string>& globs, const std::string& value) {
  const std::string lower = text::to_lower(value);
  for (const auto& g : globs)
    if (text::glob_match(text::to_lower(g), lower)) return true;
  return false;
}

}  // namespace

// Volumes (disks, orphaned snapshots' volumes) not attached to anything for more than min_days:
// deleting them (after a snapshot) saves their whole cost. With the `attached` usage metric when
// it is collected; without it, from the bill alone: a volume billed every day of min_days while no
// instance of its workload (same account, region and `attached_by` tag) was billed at all.
RuleKind unattached_storage_kind() {
  RuleKind k;
  k.name = std::string(kUnattachedStorage);
  k.summary = "storage unattached for more than min_days days (the `attached` metric, or a volume billed with no instance of its workload billed)";
  k.signals = "usage metric `attached` if collected, else billing: volume and instance rows per account, region and tag";
  k.thresholds = {{"min_days", 7, 1, 365, "days unattached before it is waste"}};
  k.options = {{"metric", {"attached"}, {}, "usage metric: 1 while attached, 0 while not"},
               {"attached_by", {"application"}, {}, "billing: the tag a volume shares with the instances it serves"},
               {"volume_types", {"*volume*", "*disk*"}, {}, "billing: resource types that are volumes (globs)"},
               {"instance_types", {"*instance*", "*virtual machine*"}, {}, "billing: resource types that are instances (globs)"}};
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
    const auto in_scope = resources_in_scope(ctx.db, rule);
    // The bill's view: which workloads (account, region, tag value) had an instance billed.
    const Day bill_from = ctx.as_of - std::chrono::days{static_cast<int>(min_days) - 1};
    const auto billed = billed_usage(ctx.db, bill_from, ctx.as_of);
    const auto attached_by = option(rule, "attached_by", "application");
    const auto volume_types = rule.options.count("volume_types") ? rule.options.at("volume_types") : std::vector<std::string>{"*volume*", "*disk*"};
    const auto instance_types = rule.options.count("instance_types") ? rule.options.at("instance_types")
                                                                    : std::vector<std::string>{"*instance*", "*virtual machine*"};
    auto workload_of = [&](const ResourceInfo& r) -> std::string {
      auto tag = r.tags.find(attached_by);
      if (tag == r.tags.end() || tag->second.empty()) return {};
      return r.account + "|" + r.region + "|" + tag->second;
    };
    std::set<std::string> running;
    SQLite::Statement all(ctx.db.sql(), "SELECT resource_id, sub_account_id, region, resource_type, tags FROM resources");
    while (all.executeStep()) {
      ResourceInfo r;
      r.id = all.getColumn(0).getString();
      r.account = all.getColumn(1).getString();
      r.region = all.getColumn(2).getString();
      r.type = all.getColumn(3).getString();
      r.tags = parse_tags(all.getColumn(4).getString());
      if (!matches_any_glob(instance_types, r.type) || !billed.count(r.id)) continue;
      if (auto w = workload_of(r); !w.empty()) running.insert(w);
    }
    for (const auto& r : in_scope) {
      if (states.count(r.id) || !matches_any_glob(volume_types, r.type)) continue;
      auto b = billed.find(r.id);
      const std::string workload = workload_of(r);
      if (b == billed.end() || b->second.days_billed < static_cast<int>(min_days) || workload.empty() || running.count(workload)) continue;
      const double impact = b->second.total / min_days;
      if (impact <= 0) continue;
      auto f = resource_finding(rule, ctx, r, impact, "Unattached storage: {name} ({impact_per_day}/day)",
                                "{name} was billed every day of the last {min_days} days while no instance of its workload "
                                "({attached_by} " + r.tags.at(attached_by) + ") was billed: it is attached to nothing. It costs "
                                "{impact_per_day} a day ({impact_per_month} a month).",
                                {{"days_unattached", fmt::format("{:.0f}", min_days)}, {"attached_by", attached_by}});
      f.upper = min_days;
      out.push_back(std::move(f));
    }
    for (const auto& r : in_scope) {
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
