#include "engine/detect/rule_support.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include "engine/util/error.hpp"
#include "engine/util/format.hpp"
#include "engine/util/strings.hpp"

namespace costbot::detect {

std::map<std::string, std::string> parse_tags(const std::string& json) {
  std::map<std::string, std::string> out;
  boost::system::error_code ec;
  auto v = boost::json::parse(json, ec);
  if (ec || !v.is_object()) return out;
  for (const auto& [k, val] : v.as_object()) {
    std::string key = text::to_lower(std::string(k));
    if (val.is_string()) out[key] = std::string(val.as_string());
    else if (!val.is_null()) out[key] = boost::json::serialize(val);
  }
  return out;
}

bool scope_matches(const config::RuleConfig& rule, const ResourceInfo& r) {
  for (const auto& [field, pattern] : rule.scope) {
    std::string value;
    if (field == "provider") value = r.provider;
    else if (field == "account") value = r.account;
    else if (field == "service") value = r.service;
    else if (field == "region") value = r.region;
    else if (field == "team") value = r.team;
    else if (field == "environment") value = r.environment;
    else if (field == "resource_type") value = r.type;
    else if (field == "resource") value = r.id;
    else if (field == "name") value = r.name;
    else if (field.rfind("tag:", 0) == 0) {
      auto it = r.tags.find(text::to_lower(field.substr(4)));
      if (it == r.tags.end()) return false;
      value = it->second;
    }
    if (!text::glob_match(text::to_lower(pattern), text::to_lower(value))) return false;
  }
  return true;
}

std::vector<ResourceInfo> resources_in_scope(storage::Database& db, const config::RuleConfig& rule) {
  SQLite::Statement q(db.sql(),
                      "SELECT resource_id, provider, sub_account_id, resource_name, resource_type, service_name, region, "
                      "team, environment, tags FROM resources ORDER BY resource_id");
  std::vector<ResourceInfo> out;
  while (q.executeStep()) {
    ResourceInfo r;
    r.id = q.getColumn(0).getString();
    r.provider = q.getColumn(1).getString();
    r.account = q.getColumn(2).getString();
    r.name = q.getColumn(3).getString();
    if (r.name.empty()) r.name = r.id;
    r.type = q.getColumn(4).getString();
    r.service = q.getColumn(5).getString();
    r.region = q.getColumn(6).getString();
    r.team = q.getColumn(7).getString();
    r.environment = q.getColumn(8).getString();
    r.tags = parse_tags(q.getColumn(9).getString());
    if (scope_matches(rule, r)) out.push_back(std::move(r));
  }
  return out;
}

std::map<std::string, double> average_daily_cost(storage::Database& db, Day as_of, int days) {
  SQLite::Statement q(db.sql(),
                      "SELECT resource_id, SUM(effective_cost) FROM cost_daily WHERE day > ? AND day <= ? AND resource_id != '' "
                      "GROUP BY resource_id");
  q.bind(1, format_day(as_of - std::chrono::days{days}));
  q.bind(2, format_day(as_of));
  std::map<std::string, double> out;
  while (q.executeStep()) out[q.getColumn(0).getString()] = q.getColumn(1).getDouble() / std::max(days, 1);
  return out;
}

std::map<std::string, BilledUsage> billed_usage(storage::Database& db, Day from, Day to) {
  SQLite::Statement q(db.sql(),
                      "SELECT resource_id, COUNT(*), MIN(cost), MAX(cost), SUM(cost), SUM(quantity), SUM(hours), MAX(has_unit) FROM "
                      "(SELECT resource_id, day, SUM(effective_cost) AS cost, SUM(consumed_quantity) AS quantity, "
                      " SUM(CASE WHEN lower(consumed_unit) IN ('hrs', 'hr', 'hours', 'hour', 'instance hours') THEN consumed_quantity "
                      "     ELSE 0 END) AS hours, MAX(consumed_unit != '') AS has_unit "
                      " FROM cost_daily WHERE day >= ? AND day <= ? AND resource_id != '' GROUP BY resource_id, day "
                      " HAVING SUM(effective_cost) != 0 OR SUM(consumed_quantity) != 0) "
                      "GROUP BY resource_id");
  q.bind(1, format_day(from));
  q.bind(2, format_day(to));
  std::map<std::string, BilledUsage> out;
  while (q.executeStep()) {
    BilledUsage& u = out[q.getColumn(0).getString()];
    u.days_billed = q.getColumn(1).getInt();
    u.min_daily = q.getColumn(2).getDouble();
    u.max_daily = q.getColumn(3).getDouble();
    u.total = q.getColumn(4).getDouble();
    u.consumed = q.getColumn(5).getDouble();
    u.hours = q.getColumn(6).getDouble();
    u.reports_usage = q.getColumn(7).getInt() != 0;
  }
  return out;
}

std::map<std::string, std::map<Day, double>> daily_metric_means(storage::Database& db, const std::string& metric,
                                                                Day from, Day to) {
  SQLite::Statement q(db.sql(),
                      "SELECT resource_id, ts / 86400, AVG(value) FROM usage_metrics WHERE metric = ? AND ts >= ? AND ts < ? "
                      "GROUP BY resource_id, ts / 86400");
  q.bind(1, metric);
  q.bind(2, static_cast<std::int64_t>(start_of(from)));
  q.bind(3, static_cast<std::int64_t>(start_of(to) + 86400));
  std::map<std::string, std::map<Day, double>> out;
  while (q.executeStep())
    out[q.getColumn(0).getString()][Day(std::chrono::days{q.getColumn(1).getInt64()})] = q.getColumn(2).getDouble();
  return out;
}

std::string fill_placeholders(const std::string& text, const std::map<std::string, std::string>& values) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '{') {
      auto close = text.find('}', i);
      if (close != std::string::npos) {
        auto it = values.find(text.substr(i + 1, close - i - 1));
        if (it != values.end()) {
          out += it->second;
          i = close;
          continue;
        }
      }
    }
    out += text[i];
  }
  return out;
}

std::string severity_for(const config::Config& config, const std::string& team, double impact, const std::string& floor) {
  const auto& t = config.detection.severity_for(team);
  Severity s = impact > t.critical ? Severity::critical
               : impact >= t.high  ? Severity::high
               : impact >= t.medium ? Severity::medium
                                    : Severity::low;
  auto f = parse_severity(floor).value_or(Severity::low);
  return std::string(to_string(std::max(s, f)));
}

std::string option(const config::RuleConfig& rule, const std::string& key, const std::string& fallback) {
  auto it = rule.options.find(key);
  return it == rule.options.end() || it->second.empty() ? fallback : it->second.front();
}

double threshold(const RuleContext& ctx, const std::string& key) {
  auto it = ctx.thresholds.find(key);
  if (it == ctx.thresholds.end()) throw Error(ErrorKind::internal, "rule threshold " + key + " missing");
  return it->second;
}

Finding resource_finding(const config::RuleConfig& rule, const RuleContext& ctx, const ResourceInfo& r,
                         double impact_per_day, std::string title, std::string summary,
                         std::map<std::string, std::string> extra) {
  const std::string& currency = ctx.config.currency.base;
  Finding f;
  f.kind = rule.kind;
  f.rule_id = rule.id;
  f.fingerprint = rule.kind + "|" + rule.id + "|resource|" + r.id;
  f.scope_dimension = "resource";
  f.scope_value = r.id;
  f.team = r.team;
  f.provider = r.provider;
  f.account = r.account;
  f.service = r.service;
  f.region = r.region;
  f.resource = r.id;
  f.day = ctx.as_of;
  f.actual = impact_per_day;
  f.impact_per_day = impact_per_day;
  f.impact_per_month = impact_per_day * 30.4;
  f.score = 1.0;
  f.severity = severity_for(ctx.config, r.team, impact_per_day, rule.severity);
  std::map<std::string, std::string> values = {
      {"resource", r.id},          {"name", r.name},        {"account", r.account},
      {"region", r.region},        {"service", r.service},  {"team", r.team.empty() ? "(unallocated)" : r.team},
      {"environment", r.environment}, {"provider", r.provider}, {"rule", rule.id},
      {"impact_per_day", fmtx::money(impact_per_day, 2, currency)},
      {"impact_per_month", fmtx::money(f.impact_per_month, 0, currency)}};
  for (const auto& [k, v] : ctx.thresholds) values[k] = fmt::format("{:g}", v);
  for (auto& [k, v] : extra) values[k] = v;
  f.title = fill_placeholders(title, values);
  f.summary = fill_placeholders(summary, values);
  f.remediation.text = fill_placeholders(rule.remediation, values);
  f.remediation.command = fill_placeholders(rule.command, values);
  return f;
}

}  // namespace costbot::detect
