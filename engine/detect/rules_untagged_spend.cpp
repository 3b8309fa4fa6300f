#include <fmt/format.h>

#include <algorithm>

#include "engine/detect/rule_support.hpp"
#include "engine/util/format.hpp"
#include "engine/util/strings.hpp"

namespace costbot::detect {

// Spend on resources missing a required tag (so nobody owns it), per account (or service, ...),
// above a daily amount.
RuleKind untagged_spend_kind() {
  RuleKind k;
  k.name = std::string(kUntaggedSpend);
  k.summary = "daily spend on resources missing a required tag, per group_by value, above min_daily_cost";
  k.signals = "billing: effective cost and resource tags";
  k.thresholds = {{"min_daily_cost", 100, 0, 1e12, "average untagged spend per day that is worth a finding"},
                  {"days", 7, 1, 90, "days averaged"}};
  k.options = {{"required_tags", {"team"}, {}, "tags every resource must carry"},
               {"group_by", {"account"}, {"account", "service", "provider", "region", "team"}, "one finding per value of"}};
  k.default_remediation =
      "Tag the untagged resources in {group} {scope} with {required_tags} (largest first: {top}), or add an attribution "
      "rule that assigns them.";
  k.retune_threshold = "min_daily_cost";
  k.lower_is_stricter = false;
  k.evaluate = [](const config::RuleConfig& rule, const RuleContext& ctx) {
    const int days = static_cast<int>(threshold(ctx, "days"));
    const std::string group = option(rule, "group_by", "account");
    auto required_it = rule.options.find("required_tags");
    const std::vector<std::string> required =
        required_it != rule.options.end() ? required_it->second : std::vector<std::string>{"team"};
    SQLite::Statement q(ctx.db.sql(),
                        "SELECT c.resource_id, MAX(c.provider), MAX(c.sub_account_id), MAX(c.service_name), MAX(c.region), "
                        "MAX(c.team), SUM(c.effective_cost), r.tags, r.resource_name, r.environment, r.resource_type "
                        "FROM cost_daily c LEFT JOIN resources r ON r.resource_id = c.resource_id "
                        "WHERE c.day > ? AND c.day <= ? AND c.resource_id != '' GROUP BY c.resource_id");
    q.bind(1, format_day(ctx.as_of - std::chrono::days{days}));
    q.bind(2, format_day(ctx.as_of));
    struct Group {
      double daily = 0;
      std::vector<std::pair<double, std::string>> resources;
      ResourceInfo sample;
    };
    std::map<std::string, Group> groups;
    while (q.executeStep()) {
      ResourceInfo r;
      r.id = q.getColumn(0).getString();
      r.provider = q.getColumn(1).getString();
      r.account = q.getColumn(2).getString();
      r.service = q.getColumn(3).getString();
      r.region = q.getColumn(4).getString();
      r.team = q.getColumn(5).getString();
      r.tags = parse_tags(q.getColumn(7).isNull() ? "{}" : q.getColumn(7).getString());
      r.name = q.getColumn(8).isNull() ? r.id : q.getColumn(8).getString();
      r.environment = q.getColumn(9).isNull() ? "" : q.getColumn(9).getString();
      r.type = q.getColumn(10).isNull() ? "" : q.getColumn(10).getString();
      if (!scope_matches(rule, r)) continue;
      bool tagged = true;
      for (const auto& tag : required) {
        auto it = r.tags.find(text::to_lower(tag));
        if (it == r.tags.end() || text::trim(it->second).empty()) tagged = false;
      }
      if (tagged) continue;
      std::string key = group == "service" ? r.service : group == "provider" ? r.provider : group == "region" ? r.region
                        : group == "team" ? r.team : r.account;
      auto& g = groups[key];
      double daily = q.getColumn(6).getDouble() / days;
      g.daily += daily;
      g.resources.emplace_back(daily, r.id);
      g.sample = r;
    }
    std::vector<Finding> out;
    for (auto& [key, g] : groups) {
      if (g.daily < threshold(ctx, "min_daily_cost")) continue;
      std::sort(g.resources.rbegin(), g.resources.rend());
      std::vector<std::string> top;
      for (std::size_t i = 0; i < g.resources.size() && i < 3; ++i)
        top.push_back(g.resources[i].second + " " + fmtx::money_short(g.resources[i].first, ctx.config.currency.base) + "/day");
      ResourceInfo scope = g.sample;
      scope.id = key;
      scope.name = key.empty() ? "(none)" : key;
      auto f = resource_finding(rule, ctx, scope, g.daily, "Untagged spend in {group} {scope}: {impact_per_day}/day",
                                "{count} resources in {group} {scope} lack {required_tags} and cost {impact_per_day} a day "
                                "({impact_per_month} a month) that no team owns.",
                                {{"group", group},
                                 {"scope", scope.name},
                                 {"count", std::to_string(g.resources.size())},
                                 {"required_tags", text::join(required, ", ")},
                                 {"top", text::join(top, "; ")}});
      f.fingerprint = rule.kind + "|" + rule.id + "|" + group + "|" + key;
      f.scope_dimension = group;
      f.scope_value = key;
      f.resource.clear();
      if (group != "account") f.account.clear();
      if (group != "service") f.service.clear();
      if (group != "region") f.region.clear();
      if (group != "team") f.team.clear();
      f.severity = severity_for(ctx.config, f.team, g.daily, rule.severity);
      for (std::size_t i = 0; i < g.resources.size() && i < 5; ++i)
        f.contributors.push_back({"resource", g.resources[i].second, g.resources[i].first, g.resources[i].first / g.daily});
      f.upper = threshold(ctx, "min_daily_cost");
      out.push_back(std::move(f));
    }
    return out;
  };
  return k;
}

}  // namespace costbot::detect
