#include "tests/support/alerts_support.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cmath>

#include "engine/detect/detection_run.hpp"
#include "engine/detect/finding_store.hpp"
#include "tests/support/cost_fixtures.hpp"

namespace costbot::testing {
namespace json = boost::json;

config::Config alerts_config(const std::string& extra_yaml) {
  config::Config c;
  auto issues = config::check_text(R"(
teams:
  - name: payments
    budget: {monthly: 30000}
    roles: {manager: [U0PAYMGR], director: [U0DIR]}
    slack_channel: "#payments-costs"
  - name: platform
    budget: {monthly: 20000}
    roles: {manager: [U0PLATMGR]}
approvals:
  roles: {director: [U0VP]}
slack:
  bot_token: xoxb-test-token
server:
  public_url: https://costbot.example.com
detection:
  anomaly:
    scopes: [team]
)" + extra_yaml,
                                   &c);
  INFO(issues.to_string());
  REQUIRE(issues.empty());
  return c;
}

AlertsWorld::AlertsWorld(const std::string& extra_yaml)
    : config_(alerts_config(extra_yaml)), templates_(source_path("templates")) {
  config_.database.path = dir_.file("alerts.db");
  db_ = std::make_unique<storage::Database>(storage::open_migrated(config_.database.path));
}

void AlertsWorld::seed_spike(double extra) {
  CostFixture fx(*db_);
  const Day first = Day(std::chrono::year(2024) / 5 / 22);  // 120 days ending 2024-09-18
  for (int i = 0; i < 120; ++i) {
    Day d = first + std::chrono::days{i};
    double base = (weekday(d) == 0 || weekday(d) == 6) ? 700 : 1000;
    double wobble = 1 + 0.02 * std::sin(i * 1.7);
    CostRow a{format_day(d), base * 0.6 * wobble, "payments"};
    a.sku = "sku-compute";
    a.resource = "payments-web";
    a.service = "Amazon Elastic Compute Cloud";
    CostRow b{format_day(d), base * 0.4 * wobble, "payments"};
    b.sku = "sku-storage";
    b.resource = "payments-db";
    b.region = "eu-west-1";
    b.service = "Amazon RDS";
    fx.add(a);
    fx.add(b);
    if (i == 119) {
      CostRow c{format_day(d), extra, "payments"};
      c.sku = "sku-gpu";
      c.resource = "payments-gpu-1";
      c.service = "Amazon Elastic Compute Cloud";
      c.usage_type = "GPU-hours";
      fx.add(c);
    }
  }
  auto summary = detect::run_detection(*db_, config_, 1726653600);
  REQUIRE(summary.findings_new > 0);
}

std::int64_t AlertsWorld::add_finding(const FindingSpec& s, UnixSeconds now) {
  detect::Finding f;
  f.kind = s.kind;
  f.rule_id = s.kind.find("budget") == 0 ? "budget:" + s.team : "anomaly:team";
  f.fingerprint = s.fingerprint.empty() ? fmt::format("test|{}|{}", s.kind, ++next_) : s.fingerprint;
  f.scope_dimension = s.kind.find("budget") == 0 ? "team" : (s.resource.empty() ? "team" : "resource");
  f.scope_value = f.scope_dimension == "team" ? s.team : s.resource;
  f.team = s.team;
  f.account = s.account;
  f.region = s.region;
  f.resource = s.resource;
  f.sku = s.sku;
  f.service = s.service;
  f.severity = s.severity;
  f.day = *parse_day(s.day);
  f.window_start = f.day;
  f.window_end = f.day;
  f.expected = s.expected;
  f.lower = s.expected * 0.8;
  f.upper = s.expected * 1.2;
  f.actual = s.expected + s.impact_per_day;
  f.impact_per_day = s.impact_per_day;
  f.impact_per_month = s.impact_per_day * 30.4;
  f.percent_change = s.impact_per_day / s.expected;
  f.score = 0.93;
  f.title = fmt::format("{} in {} ({} a day)", s.kind, s.team, s.impact_per_day);
  f.summary = "Synthetic finding for tests.";
  f.contributors = {{"sku", s.sku, s.impact_per_day * 0.9, 0.9}};
  f.remediation = {"Scale " + s.resource + " back down.", "aws autoscaling update-auto-scaling-group --max-size 2"};
  auto tx = db_->begin_write();
  detect::FindingStore store(*db_);
  store.upsert(f, now);
  store.attach_to_incident(f, now);
  tx.commit();
  return f.incident_id;
}

std::int64_t AlertsWorld::update_incident(std::int64_t incident_id, double impact, const std::string& severity, UnixSeconds now) {
  detect::FindingStore store(*db_);
  auto incident = store.incident(incident_id);
  REQUIRE(incident);
  auto f = *store.finding(incident->latest_finding_id);
  f.id = 0;
  f.fingerprint += "|next";
  f.day += std::chrono::days{1};
  f.impact_per_day = impact;
  f.impact_per_month = impact * 30.4;
  f.actual = f.expected + impact;
  f.severity = severity;
  f.incident_id = 0;
  auto tx = db_->begin_write();
  store.upsert(f, now);
  store.attach_to_incident(f, now);
  tx.commit();
  return f.id;
}

void AlertsWorld::resolve_incident(std::int64_t incident_id, UnixSeconds now) {
  auto tx = db_->begin_write();
  detect::FindingStore(*db_).close_incident(incident_id, "resolved", "back to baseline for 2 days", now);
  tx.commit();
}

}  // namespace costbot::testing
