#pragma once
// What the waste rule kinds share: resources filtered by a rule's scope, daily cost per resource,
// daily metric means, and building a finding with its dollars and filled-in remediation.
#include <map>
#include <string>
#include <vector>

#include "engine/detect/rules.hpp"

namespace costbot::detect {

struct ResourceInfo {
  std::string id, provider, account, name, type, service, region, team, environment;
  std::map<std::string, std::string> tags;
};

// Resources whose fields match every glob of the rule's scope (case-insensitive for tags keys).
std::vector<ResourceInfo> resources_in_scope(storage::Database& db, const config::RuleConfig& rule);
bool scope_matches(const config::RuleConfig& rule, const ResourceInfo& r);
std::map<std::string, std::string> parse_tags(const std::string& json);

// Average daily effective cost of each resource over the `days` days ending with `as_of`.
std::map<std::string, double> average_daily_cost(storage::Database& db, Day as_of, int days);

// What the bill says about each resource over [from, to] (inclusive days), from cost_daily alone.
struct BilledUsage {
  int days_billed = 0;               // days with any cost
  double min_daily = 0, max_daily = 0, total = 0;
  double consumed = 0;               // ConsumedQuantity, every unit
  double hours = 0;                  // ConsumedQuantity in hours (Hrs, Hours, ...)
  bool reports_usage = false;        // some row names a consumed unit
};
std::map<std::string, BilledUsage> billed_usage(storage::Database& db, Day from, Day to);

// Daily mean of a metric for every resource that has it, over [from, to] (inclusive days).
std::map<std::string, std::map<Day, double>> daily_metric_means(storage::Database& db, const std::string& metric,
                                                                Day from, Day to);

// {name} placeholders replaced from `values`; unknown ones are left as written.
std::string fill_placeholders(const std::string& text, const std::map<std::string, std::string>& values);

// Severity from impact per day (with the team's overrides), never below the rule's own severity.
std::string severity_for(const config::Config& config, const std::string& team, double impact_per_day,
                         const std::string& floor = "low");

// A finding about one resource: identity, dollars, severity and remediation filled in.
Finding resource_finding(const config::RuleConfig& rule, const RuleContext& ctx, const ResourceInfo& r,
                         double impact_per_day, std::string title, std::string summary,
                         std::map<std::string, std::string> extra_placeholders = {});

// The rule's single option value (first item) or `fallback`.
std::string option(const config::RuleConfig& rule, const std::string& key, const std::string& fallback = "");
double threshold(const RuleContext& ctx, const std::string& key);

}  // namespace costbot::detect
