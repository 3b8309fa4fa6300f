#include <fmt/format.h>

#include "engine/detect/rule_support.hpp"

namespace costbot::detect {

// Paid for, never used, from the bill alone: a resource billed the same amount every day of
// min_days whose rows report a consumed unit but a consumed quantity of zero (a load balancer
// that processed nothing, a NAT gateway with no bytes, provisioned capacity nobody reads). Its
// whole cost is waste until someone claims it.
RuleKind idle_resource_kind() {
  RuleKind k;
  k.name = std::string(kIdleResource);
  k.summary = "resources billed a constant amount every day of min_days with zero consumed quantity";
  k.signals = "billing: daily effective cost, ConsumedQuantity and ConsumedUnit (no usage CSV needed)";
  k.thresholds = {{"min_days", 7, 2, 90, "days in a row, ending with the latest day, billed with nothing consumed"},
                  {"max_variation", 0.02, 0, 1, "largest day / smallest day - 1 that still counts as constant"},
                  {"min_daily_cost", 1, 0, 1e9, "below this per day it is not worth a finding"}};
  k.default_remediation =
      "Nothing used {name} ({resource}) for {min_days} days while it cost {impact_per_day} a day: confirm with "
      "{team} and delete it (or scale it to zero).";
  k.retune_threshold = "min_days";
  k.lower_is_stricter = false;
  k.evaluate = [](const config::RuleConfig& rule, const RuleContext& ctx) {
    const int days = static_cast<int>(threshold(ctx, "min_days"));
    const auto billed = billed_usage(ctx.db, ctx.as_of - std::chrono::days{days - 1}, ctx.as_of);
    std::vector<Finding> out;
    for (const auto& r : resources_in_scope(ctx.db, rule)) {
      auto b = billed.find(r.id);
      if (b == billed.end()) continue;
      const auto& u = b->second;
      if (u.days_billed < days || !u.reports_usage || u.consumed != 0 || u.min_daily <= 0) continue;
      if (u.max_daily / u.min_daily - 1 > threshold(ctx, "max_variation")) continue;
      const double impact = u.total / days;
      if (impact < threshold(ctx, "min_daily_cost")) continue;
      auto f = resource_finding(rule, ctx, r, impact, "Idle resource: {name} billed {impact_per_day}/day, nothing consumed",
                                "{name} was billed {impact_per_day} every day for {min_days} days and its bill reports zero "
                                "consumed quantity: it is paid for and not used ({impact_per_month} a month).");
      f.expected = 0;
      f.actual = u.consumed;
      out.push_back(std::move(f));
    }
    return out;
  };
  return k;
}

}  // namespace costbot::detect
