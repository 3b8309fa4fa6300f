#include <catch2/catch.hpp>

#include "engine/detect/detection_run.hpp"
#include "engine/detect/feedback.hpp"
#include "engine/detect/finding_store.hpp"
#include "engine/detect/rules.hpp"
#include "tests/support/cost_fixtures.hpp"
#include "tests/support/test_support.hpp"

using namespace costbot;
using namespace costbot::detect;
using std::chrono::days;

namespace {

const Day kToday = Day(std::chrono::year(2024) / 9 / 18);  // a Wednesday

config::Config rules_config(const std::string& rules) {
  config::Config c;
  auto issues = config::check_text("teams:\n  - name: payments\ndetection:\n  anomaly:\n    scopes: []\n  rules:\n" + rules, &c);
  INFO(issues.to_string());
  REQUIRE(issues.empty());
  return c;
}

// `per_day` of cost for the resource on each of the last `n` days.
void cost_for(testing::CostFixture& fx, const std::string& resource, double per_day, int n = 30,
              const std::string& account = "111111111111") {
  for (int i = 0; i < n; ++i) {
    testing::CostRow r(format_day(kToday - days{i}), per_day, "payments");
    r.resource = resource;
    r.account = account;
    fx.add(r);
  }
}

std::vector<Finding> by_rule(storage::Database& db, const std::string& rule_id) {
  std::vector<Finding> out;
  for (auto& f : FindingStore(db).findings())
    if (f.rule_id == rule_id) out.push_back(f);
  return out;
}

}  // namespace

TEST_CASE("idle compute: CPU under the threshold on every one of the last days", "[detect][rules]") {
  testing::TempDir dir;
  auto db = storage::open_migrated(dir.file("r.db"));
  testing::CostFixture fx(db);
  for (const auto* id : {"i-idle", "i-busy", "i-new", "i-spiky"}) {
    fx.add_resource(id, "Amazon EC2", "payments", "prod", R"({"team":"payments"})");
    cost_for(fx, id, 48);
  }
  fx.add_hourly_metric("i-idle", "cpu_utilization", kToday, 10, [](UnixSeconds) { return 2.0; });
  fx.add_hourly_metric("i-busy", "cpu_utilization", kToday, 10, [](UnixSeconds) { return 55.0; });
  fx.add_hourly_metric("i-new", "cpu_utilization", kToday, 3, [](UnixSeconds) { return 1.0; });  // too little history
  fx.add_hourly_metric("i-spiky", "cpu_utilization", kToday, 10,
                       [](UnixSeconds t) { return day_of(t) == kToday - days{2} ? 40.0 : 1.0; });
  auto config = rules_config(R"(
    - id: idle
      kind: idle_compute
      command: "aws ec2 stop-instances --instance-ids {resource}"
)");
  run_detection(db, config, start_of(kToday) + 86400, kToday);
  auto found = by_rule(db, "idle");
  REQUIRE(found.size() == 1);
  const auto& f = found[0];
  CHECK(f.kind == "idle_compute");
  CHECK(f.resource == "i-idle");
  CHECK(f.impact_per_day == Approx(48));
  CHECK(f.impact_per_month == Approx(48 * 30.4));
  CHECK(f.severity == "medium");  // the rule's floor; $48/day is below every impact threshold
  CHECK_THAT(f.remediation.text, Catch::Contains("Stop or terminate i-idle"));
  CHECK(f.remediation.command == "aws ec2 stop-instances --instance-ids i-idle");
  CHECK(f.incident_id != 0);

  SECTION("\"not waste\" tightens the rule's threshold visibly and the next run follows it") {
    auto r = record_feedback(db, config, std::to_string(f.id), FeedbackKind::not_anomaly, "U1", "", {}, start_of(kToday) + 86400);
    CHECK_THAT(r.effect, Catch::Contains("max_cpu_percent 5 -> 4 for rule idle"));
    auto views = rule_views(db, config, kToday);
    auto idle = std::find_if(views.begin(), views.end(), [](const RuleView& v) { return v.rule_id == "idle"; });
    REQUIRE(idle != views.end());
    CHECK(std::find(idle->thresholds.begin(), idle->thresholds.end(),
                    std::pair<std::string, std::string>("max_cpu_percent", "4 (config 5)")) != idle->thresholds.end());
  }
  SECTION("a resource that becomes busy resolves its finding and incident") {
    fx.add_hourly_metric("i-idle", "cpu_utilization", kToday + days{1}, 1, [](UnixSeconds) { return 60.0; });
    cost_for(fx, "i-idle", 48, 0);
    testing::CostRow r(format_day(kToday + days{1}), 48, "payments");
    r.resource = "i-idle";
    fx.add(r);
    auto s = run_detection(db, config, start_of(kToday) + 2 * 86400, kToday + days{1});
    CHECK(s.incidents_resolved == 1);
    CHECK(FindingStore(db).finding(f.id)->status == "resolved");
  }
}

TEST_CASE("unattached storage: not attached for longer than the threshold", "[detect][rules]") {
  testing::TempDir dir;
  auto db = storage::open_migrated(dir.file("r.db"));
  testing::CostFixture fx(db);
  for (const auto* id : {"vol-orphan", "vol-used", "vol-recent"}) {
    fx.add_resource(id, "Amazon EBS", "payments", "prod");
    cost_for(fx, id, 12);
  }
  const UnixSeconds end = start_of(kToday) + 86400;
  fx.add_hourly_metric("vol-orphan", "attached", kToday, 30, [&](UnixSeconds t) { return t < end - 20 * 86400 ? 1.0 : 0.0; });
  fx.add_hourly_metric("vol-used", "attached", kToday, 30, [](UnixSeconds) { return 1.0; });
  fx.add_hourly_metric("vol-recent", "attached", kToday, 30, [&](UnixSeconds t) { return t < end - 3 * 86400 ? 1.0 : 0.0; });
  auto config = rules_config("    - {id: orphans, kind: unattached_storage, thresholds: {min_days: 7}}\n");
  run_detection(db, config, end, kToday);
  auto found = by_rule(db, "orphans");
  REQUIRE(found.size() == 1);
  CHECK(found[0].resource == "vol-orphan");
  CHECK(found[0].impact_per_day == Approx(12));
  CHECK_THAT(found[0].summary, Catch::Contains("20 days"));
}

TEST_CASE("unattached storage from the bill alone: a volume billed while no instance of its workload is",
          "[detect][rules]") {
  testing::TempDir dir;
  auto db = storage::open_migrated(dir.file("r.db"));
  testing::CostFixture fx(db);
  // No usage metrics at all: only what a billing export says.
  fx.add_resource("vol-ci", "Amazon EC2", "payments", "prod", R"({"application":"ci"})", "volume");
  fx.add_resource("vol-web", "Amazon EC2", "payments", "prod", R"({"application":"web"})", "volume");
  fx.add_resource("vol-loose", "Amazon EC2", "payments", "prod", "{}", "volume");  // no tag: cannot tell
  fx.add_resource("i-web", "Amazon EC2", "payments", "prod", R"({"application":"web"})", "instance");
  fx.add_resource("i-ci", "Amazon EC2", "payments", "prod", R"({"application":"ci"})", "instance");
  cost_for(fx, "vol-ci", 6.4);
  cost_for(fx, "vol-web", 3.2);
  cost_for(fx, "vol-loose", 2.0);
  cost_for(fx, "i-web", 48);
  for (int i = 20; i < 30; ++i) {  // the CI server was stopped 20 days ago
    testing::CostRow r(format_day(kToday - days{i}), 16, "payments");
    r.resource = "i-ci";
    fx.add(r);
  }
  auto config = rules_config("    - {id: orphans, kind: unattached_storage, thresholds: {min_days: 7}}\n");
  run_detection(db, config, start_of(kToday) + 86400, kToday);
  auto found = by_rule(db, "orphans");
  REQUIRE(found.size() == 1);
  CHECK(found[0].resource == "vol-ci");
  CHECK(found[0].impact_per_day == Approx(6.4));
  CHECK_THAT(found[0].summary, Catch::Contains("no instance of its workload (application ci) was billed"));
}

TEST_CASE("idle resources from the bill alone: the same cost every day, nothing consumed", "[detect][rules]") {
  testing::TempDir dir;
  auto db = storage::open_migrated(dir.file("r.db"));
  testing::CostFixture fx(db);
  for (const auto* id : {"lb-idle", "lb-busy", "nat-varying", "lb-new", "i-app"})
    fx.add_resource(id, "Elastic Load Balancing", "payments", "prod");
  auto bill = [&](const std::string& id, int n, auto cost, double consumed, const std::string& unit) {
    for (int i = 0; i < n; ++i) {
      testing::CostRow r(format_day(kToday - days{i}), cost(i), "payments");
      r.resource = id;
      r.consumed = consumed;
      r.unit = unit;
      fx.add(r);
    }
  };
  bill("lb-idle", 30, [](int) { return 16.2; }, 0, "LCU-Hrs");
  bill("lb-busy", 30, [](int) { return 16.2; }, 40, "LCU-Hrs");
  bill("nat-varying", 30, [](int i) { return 30.0 + (i % 3) * 2; }, 0, "GB");
  bill("lb-new", 3, [](int) { return 16.2; }, 0, "LCU-Hrs");
  bill("i-app", 30, [](int) { return 24.0; }, 0, "");  // no unit: the bill says nothing about use
  auto config = rules_config("    - {id: idle-billed, kind: idle_resource}\n");
  run_detection(db, config, start_of(kToday) + 86400, kToday);
  auto found = by_rule(db, "idle-billed");
  REQUIRE(found.size() == 1);
  CHECK(found[0].resource == "lb-idle");
  CHECK(found[0].impact_per_day == Approx(16.2));
  CHECK(found[0].kind == "idle_resource");
  // Each rule says what it reads.
  for (const auto& view : rule_views(db, config, kToday)) {
    INFO(view.rule_id);
    CHECK_FALSE(view.signals.empty());
  }
  CHECK_THAT(rule_views(db, config, kToday).back().signals, Catch::Contains("billing"));
}

TEST_CASE("oversized instances: low but not idle average utilization over a month", "[detect][rules]") {
  testing::TempDir dir;
  auto db = storage::open_migrated(dir.file("r.db"));
  testing::CostFixture fx(db);
  for (const auto* id : {"i-big", "i-right", "i-idle"}) {
    fx.add_resource(id, "Amazon EC2", "payments", "prod");
    cost_for(fx, id, 200);
  }
  fx.add_hourly_metric("i-big", "cpu_utilization", kToday, 30, [](UnixSeconds t) { return (t / 3600) % 2 ? 10.0 : 30.0; });
  fx.add_hourly_metric("i-right", "cpu_utilization", kToday, 30, [](UnixSeconds) { return 65.0; });
  fx.add_hourly_metric("i-idle", "cpu_utilization", kToday, 30, [](UnixSeconds) { return 1.0; });
  auto config = rules_config("    - {id: big, kind: oversized_instance, severity: low}\n");
  run_detection(db, config, start_of(kToday) + 86400, kToday);
  auto found = by_rule(db, "big");
  REQUIRE(found.size() == 1);
  CHECK(found[0].resource == "i-big");
  CHECK(found[0].actual == Approx(20));            // average utilization %
  CHECK(found[0].impact_per_day == Approx(100));   // half of $200/day
  CHECK(found[0].severity == "medium");            // $100/day reaches the medium impact threshold
  CHECK_THAT(found[0].remediation.text, Catch::Contains("one size down"));
}

TEST_CASE("unused commitments: reservations used below the threshold", "[detect][rules]") {
  testing::TempDir dir;
  auto db = storage::open_migrated(dir.file("r.db"));
  testing::CostFixture fx(db);
  fx.add_resource("ri-1", "Amazon EC2 Reserved Instances", "payments", "prod", "{}", "reservation");
  fx.add_resource("ri-2", "Amazon EC2 Reserved Instances", "payments", "prod", "{}", "reservation");
  cost_for(fx, "ri-1", 600);
  cost_for(fx, "ri-2", 600);
  fx.add_hourly_metric("ri-1", "utilization", kToday, 7, [](UnixSeconds) { return 4.0; });
  fx.add_hourly_metric("ri-2", "utilization", kToday, 7, [](UnixSeconds) { return 92.0; });
  auto config = rules_config("    - {id: commitments, kind: unused_commitment, scope: {resource_type: reserv*}}\n");
  run_detection(db, config, start_of(kToday) + 86400, kToday);
  auto found = by_rule(db, "commitments");
  REQUIRE(found.size() == 1);
  CHECK(found[0].resource == "ri-1");
  CHECK(found[0].impact_per_day == Approx(576));  // 96% of $600/day unused
  CHECK(found[0].severity == "high");
}

TEST_CASE("untagged spend: daily spend on resources without the required tags, per account", "[detect][rules]") {
  testing::TempDir dir;
  auto db = storage::open_migrated(dir.file("r.db"));
  testing::CostFixture fx(db);
  fx.add_resource("a-untagged-1", "EC2", "", "", R"({"env":"dev"})", "", "us-east-1", "222");
  fx.add_resource("a-untagged-2", "EC2", "", "", R"({"team":""})", "", "us-east-1", "222");
  fx.add_resource("b-tagged", "EC2", "payments", "", R"({"Team":"payments"})", "", "us-east-1", "333");
  cost_for(fx, "a-untagged-1", 90, 30, "222");
  cost_for(fx, "a-untagged-2", 40, 30, "222");
  cost_for(fx, "a-unknown", 20, 30, "222");  // billed but never described: untagged too
  cost_for(fx, "b-tagged", 500, 30, "333");
  auto config = rules_config("    - {id: untagged, kind: untagged_spend, thresholds: {min_daily_cost: 100}}\n");
  run_detection(db, config, start_of(kToday) + 86400, kToday);
  auto found = by_rule(db, "untagged");
  REQUIRE(found.size() == 1);
  CHECK(found[0].scope_dimension == "account");
  CHECK(found[0].scope_value == "222");
  CHECK(found[0].impact_per_day == Approx(150));
  REQUIRE(found[0].contributors.size() == 3);
  CHECK(found[0].contributors[0].value == "a-untagged-1");
  CHECK(found[0].contributors[0].share == Approx(0.6));
  CHECK_THAT(found[0].remediation.text, Catch::Contains("a-untagged-1"));
}

TEST_CASE("non-production resources running outside business hours", "[detect][rules]") {
  testing::TempDir dir;
  auto db = storage::open_migrated(dir.file("r.db"));
  testing::CostFixture fx(db);
  fx.add_resource("dev-always-on", "EC2", "payments", "dev");
  fx.add_resource("dev-scheduled", "EC2", "payments", "dev");
  fx.add_resource("prod-always-on", "EC2", "payments", "prod");
  for (const auto* id : {"dev-always-on", "dev-scheduled", "prod-always-on"}) cost_for(fx, id, 24);
  auto business = [](UnixSeconds t) {
    unsigned wd = weekday(day_of(t));
    int hour = static_cast<int>(t % 86400 / 3600);
    return wd >= 1 && wd <= 5 && hour >= 8 && hour < 19;
  };
  fx.add_hourly_metric("dev-always-on", "cpu_utilization", kToday, 7, [](UnixSeconds) { return 12.0; });
  fx.add_hourly_metric("dev-scheduled", "cpu_utilization", kToday, 7, [&](UnixSeconds t) { return business(t) ? 12.0 : 0.0; });
  fx.add_hourly_metric("prod-always-on", "cpu_utilization", kToday, 7, [](UnixSeconds) { return 12.0; });
  auto config = rules_config("    - {id: offhours, kind: off_hours_nonprod}\n");
  run_detection(db, config, start_of(kToday) + 86400, kToday);
  auto found = by_rule(db, "offhours");
  REQUIRE(found.size() == 1);
  CHECK(found[0].resource == "dev-always-on");
  // 5 business days x 11 hours of 168 hours a week are business hours: the rest could be saved.
  CHECK(found[0].impact_per_day == Approx(24.0 * (168 - 55) / 168).epsilon(0.01));
}

TEST_CASE("rules are data: each kind validates its own config and names the valid choices", "[detect][rules][config]") {
  auto issues = [](const std::string& rule) {
    return config::check_text("detection:\n  rules:\n" + rule).to_string();
  };
  CHECK_THAT(issues("    - {id: a, kind: idle_vm}\n"),
             Catch::Contains("detection.rules[0].kind: unknown value \"idle_vm\" (valid: idle_compute, unattached_storage, "
                             "oversized_instance, unused_commitment, untagged_spend, off_hours_nonprod, idle_resource)"));
  CHECK_THAT(issues("    - {id: a, kind: idle_compute, thresholds: {max_cpu: 3}}\n"),
             Catch::Contains("detection.rules[0].thresholds.max_cpu: unknown threshold for kind idle_compute (valid: "
                             "max_cpu_percent, min_days)"));
  CHECK_THAT(issues("    - {id: a, kind: idle_compute, thresholds: {max_cpu_percent: 300}}\n"),
             Catch::Contains("detection.rules[0].thresholds.max_cpu_percent: must be between 0 and 100"));
  CHECK_THAT(issues("    - {id: a, kind: off_hours_nonprod, options: {business_days: [mon, funday]}}\n"),
             Catch::Contains("unknown value \"funday\" (valid: sun, mon, tue, wed, thu, fri, sat)"));
  CHECK_THAT(issues("    - {id: a, kind: untagged_spend, scope: {colour: blue}}\n"),
             Catch::Contains("detection.rules[0].scope.colour: unknown scope field"));
  CHECK_THAT(issues("    - {id: a, kind: idle_compute}\n    - {id: a, kind: idle_compute}\n"),
             Catch::Contains("detection.rules[1].id: duplicate rule id \"a\""));
  CHECK_THAT(issues("    - {id: a, kind: idle_compute, severity: urgent}\n"),
             Catch::Contains("unknown value \"urgent\" (valid: critical, high, medium, low)"));

  SECTION("a new rule of an existing kind needs config only") {
    config::Config c;
    REQUIRE(config::check_text(R"(
detection:
  rules:
    - id: idle-gpu
      kind: idle_compute
      scope: {name: "gpu-*"}
      thresholds: {max_cpu_percent: 2, min_days: 3}
)", &c).empty());
    REQUIRE(c.detection.rules.size() == 1);
    CHECK(c.detection.rules[0].thresholds.at("max_cpu_percent") == 2);
    CHECK(c.detection.rules[0].options.at("metric") == std::vector<std::string>{"cpu_utilization"});
    CHECK_THAT(c.detection.rules[0].remediation, Catch::Contains("{name}"));
  }
}
