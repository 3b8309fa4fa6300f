#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <functional>

#include "engine/detect/at_stake.hpp"
#include "engine/detect/chart_series.hpp"
#include "engine/detect/detection_run.hpp"
#include "engine/detect/feedback.hpp"
#include "engine/detect/finding_store.hpp"
#include "engine/detect/tuning.hpp"
#include "tests/support/cost_fixtures.hpp"
#include "tests/support/test_support.hpp"

using namespace costbot;
using namespace costbot::detect;
using std::chrono::days;

namespace {

const Day kFirst = Day(std::chrono::year(2024) / 5 / 1);

config::Config team_config(const std::string& extra = "") {
  config::Config c;
  auto issues = config::check_text(R"(
teams:
  - name: payments
  - name: search
detection:
  anomaly:
    scopes: [team]
)" + extra, &c);
  INFO(issues.to_string());
  REQUIRE(issues.empty());
  return c;
}

// 120 days of a team's cost: about $1,000 a day (weekends $700) split over two SKUs, with a little
// deterministic wobble; `bump(day)` adds extra cost on a third SKU and resource.
template <class Bump>
void fill_team(testing::CostFixture& fx, const std::string& team, int n, Bump bump) {
  for (int i = 0; i < n; ++i) {
    Day d = kFirst + days{i};
    double base = (weekday(d) == 0 || weekday(d) == 6) ? 700 : 1000;
    double wobble = 1 + 0.02 * std::sin(i * 1.7);
    testing::CostRow a{format_day(d), base * 0.6 * wobble, team};
    a.sku = "sku-compute";
    a.resource = team + "-web";
    testing::CostRow b{format_day(d), base * 0.4 * wobble, team};
    b.sku = "sku-storage";
    b.resource = team + "-db";
    b.region = "eu-west-1";
    fx.add(a);
    fx.add(b);
    if (double extra = bump(i); extra > 0) {
      testing::CostRow c{format_day(d), extra, team};
      c.sku = "sku-gpu";
      c.resource = team + "-gpu-1";
      c.usage_type = "GPU-hours";
      fx.add(c);
    }
  }
}

std::vector<Finding> team_findings(storage::Database& db, const std::string& team, const std::string& kind = "") {
  FindingQuery q;
  q.scope_dimension = "team";
  q.scope_value = team;
  q.kind = kind;
  return FindingStore(db).findings(q);
}

}  // namespace

TEST_CASE("a cost spike becomes one finding in one incident, explained, and a second run duplicates nothing",
          "[detect][incidents]") {
  testing::TempDir dir;
  auto db = storage::open_migrated(dir.file("d.db"));
  testing::CostFixture fx(db);
  fill_team(fx, "payments", 120, [](int i) { return i == 110 ? 4000.0 : 0.0; });
  auto config = team_config();

  auto first = run_detection(db, config, 1'000'000, kFirst + days{110});
  auto spikes = team_findings(db, "payments", "cost_spike");
  REQUIRE(spikes.size() == 1);
  const auto& f = spikes[0];
  CHECK(f.day == kFirst + days{110});
  CHECK(f.actual == Approx(1000 * (1 + 0.02 * std::sin(110 * 1.7)) + 4000).epsilon(0.01));
  CHECK(f.expected == Approx(1000).epsilon(0.05));
  CHECK(f.lower < f.expected);
  CHECK(f.upper > f.expected);
  CHECK(f.upper < f.actual);
  CHECK(f.impact_per_day == Approx(4000).epsilon(0.05));
  CHECK(f.impact_per_month == Approx(f.impact_per_day * 30.4));
  CHECK(f.severity == "critical");  // > $1,000 a day
  CHECK(f.score > 0.5);
  CHECK(f.team == "payments");
  REQUIRE_FALSE(f.contributors.empty());
  CHECK(f.contributors[0].value == "sku-gpu");
  CHECK(f.contributors[0].share == Approx(1.0).epsilon(0.05));
  CHECK(f.sku == "sku-gpu");
  CHECK(f.resource == "payments-gpu-1");
  CHECK_FALSE(f.remediation.text.empty());
  REQUIRE(f.incident_id != 0);
  CHECK(first.incidents_opened == 1);

  auto second = run_detection(db, config, 1'000'100, kFirst + days{110});
  CHECK(second.findings_new == 0);
  CHECK(second.incidents_opened == 0);
  CHECK(team_findings(db, "payments").size() == 1);
  auto incidents = FindingStore(db).incidents();
  REQUIRE(incidents.size() == 1);
  CHECK(incidents[0].finding_count == 1);
  CHECK(incidents[0].status == "open");
  CHECK(incidents[0].peak_impact_per_day == Approx(f.impact_per_day));

  SECTION("the incident resolves once the series is back to baseline") {
    auto later = run_detection(db, config, 1'000'200, kFirst + days{119});
    CHECK(later.incidents_resolved == 1);
    auto incident = FindingStore(db).incident(f.incident_id);
    CHECK(incident->status == "resolved");
    CHECK_THAT(incident->resolution, Catch::Contains("back to baseline"));
    CHECK(FindingStore(db).finding(f.id)->status == "resolved");
    // Re-running over the same days does not reopen the old fact.
    run_detection(db, config, 1'000'300, kFirst + days{119});
    CHECK(FindingStore(db).incidents(FindingQuery::open()).empty());
  }

  SECTION("the series behind the finding can be charted") {
    auto chart = finding_chart_series(db, config, f.id, 30);
    REQUIRE(chart.days.size() == chart.actual.size());
    REQUIRE(chart.days.size() == chart.anomalous.size());
    CHECK(chart.days.back() <= kFirst + days{119});
    std::size_t flagged = 0;
    for (std::size_t i = 0; i < chart.days.size(); ++i) {
      CHECK(chart.lower[i] <= chart.upper[i]);
      if (chart.anomalous[i]) {
        ++flagged;
        CHECK(chart.days[i] == f.day);
      }
    }
    CHECK(flagged == 1);
    CHECK(chart.highlight_from == f.day);
  }
}

TEST_CASE("days of a step change are one incident that stays open while cost stays up", "[detect][incidents]") {
  testing::TempDir dir;
  auto db = storage::open_migrated(dir.file("d.db"));
  testing::CostFixture fx(db);
  fill_team(fx, "search", 120, [](int i) { return i >= 100 ? 900.0 : 0.0; });
  auto config = team_config();
  for (int day = 100; day < 120; ++day) run_detection(db, config, 2'000'000 + day, kFirst + days{day});
  auto incidents = FindingStore(db).incidents();
  REQUIRE(incidents.size() == 1);  // one open incident per scope and family, updated daily
  CHECK(incidents[0].status == "open");
  CHECK(incidents[0].kind == "level_shift");
  CHECK(incidents[0].baseline == Approx(1000).epsilon(0.1));
  CHECK(incidents[0].first_day == kFirst + days{100});
  auto shifts = team_findings(db, "search", "level_shift");
  REQUIRE(shifts.size() == 1);
  CHECK(shifts[0].window_start == kFirst + days{100});
  CHECK(shifts[0].impact_per_day == Approx(900).epsilon(0.15));
  CHECK(shifts[0].contributors.at(0).value == "sku-gpu");
}

TEST_CASE("feedback silences the scope, retunes its threshold visibly and counts towards precision",
          "[detect][feedback]") {
  testing::TempDir dir;
  auto db = storage::open_migrated(dir.file("d.db"));
  testing::CostFixture fx(db);
  fill_team(fx, "payments", 120, [](int i) { return i == 100 || i == 110 ? 4000.0 : 0.0; });
  auto config = team_config("  feedback:\n    suppress_days: 14\n    retune_factor: 1.25\n");
  const UnixSeconds now = start_of(kFirst + days{100}) + 3600;
  run_detection(db, config, now, kFirst + days{100});
  auto f = team_findings(db, "payments", "cost_spike").at(0);
  REQUIRE(f.status == "open");

  SECTION("not an anomaly") {
    auto r = record_feedback(db, config, "F" + std::to_string(f.id), FeedbackKind::not_anomaly, "U0ANA", "batch reindex", {}, now);
    CHECK_THAT(r.effect, Catch::Contains("anomaly threshold 4 -> 5 for team=payments"));
    CHECK(r.suppressed_until == kFirst + days{114});  // Aug 9 + 14 days
    CHECK(FindingStore(db).finding(f.id)->status == "dismissed");
    CHECK(FindingStore(db).incident(f.incident_id)->status == "dismissed");
    // Visible: the rule shows the new threshold for the scope.
    auto views = rule_views(db, config, kFirst + days{100});
    REQUIRE(views.at(0).rule_id == "anomaly:team");
    REQUIRE(views[0].overrides.size() == 1);
    CHECK_THAT(views[0].overrides[0], Catch::Contains("team=payments: threshold 5 (x1.25)"));
    CHECK_THAT(views[0].overrides[0], Catch::Contains("silenced until 2024-08-23"));
    CHECK(views[0].precision.dismissed == 1);
    // The next spike inside the silence is recorded but does not open an incident.
    run_detection(db, config, now + 10 * 86400, kFirst + days{110});
    auto later = team_findings(db, "payments", "cost_spike");
    REQUIRE(later.size() == 2);
    CHECK(later[0].day == kFirst + days{110});
    CHECK(later[0].status == "suppressed");
    CHECK(later[0].incident_id == 0);
    CHECK(FindingStore(db).incidents(FindingQuery::open()).empty());
    // Dismissed stays dismissed on every later run.
    CHECK(FindingStore(db).finding(f.id)->status == "dismissed");
  }

  SECTION("below my noise floor raises the scope's minimum impact") {
    auto r = record_feedback(db, config, "I" + std::to_string(f.incident_id), FeedbackKind::noise_floor, "U0ANA", "", {}, now);
    CHECK_THAT(r.effect, Catch::Contains("minimum impact $50 -> $4,"));
    auto views = rule_views(db, config, kFirst + days{100});
    CHECK_THAT(views.at(0).overrides.at(0), Catch::Contains("min impact $4,"));
    // After the silence ends, a spike of the same size is below the new floor.
    run_detection(db, config, now + 30 * 86400, kFirst + days{119});
    CHECK(team_findings(db, "payments", "cost_spike").size() == 1);
  }

  SECTION("planned until a date registers a planned event and closes the incident") {
    auto r = record_feedback(db, config, std::to_string(f.id), FeedbackKind::planned, "U0LEAD", "GPU benchmark",
                             kFirst + days{112}, now);
    CHECK_THAT(r.effect, Catch::Contains("planned event registered for team=payments"));
    auto events = planned_events(db, config);
    REQUIRE(events.size() == 1);
    CHECK(events[0].to == kFirst + days{112});
    auto incident = FindingStore(db).incident(f.incident_id);
    CHECK(incident->status == "resolved");
    CHECK_THAT(incident->resolution, Catch::Contains("planned until 2024-08-21"));
    // The spike on day 110 falls in the planned window: no finding at all.
    run_detection(db, config, now + 10 * 86400, kFirst + days{110});
    CHECK(team_findings(db, "payments", "cost_spike").size() == 1);
    CHECK(rule_precision(db).at(0).planned == 1);
  }

  SECTION("confirmed and dismissed make the rule's precision") {
    record_feedback(db, config, std::to_string(f.id), FeedbackKind::confirmed, "U0A", "", {}, now);
    record_feedback(db, config, std::to_string(f.id), FeedbackKind::rejected, "U0B", "", {}, now);
    auto p = rule_precision(db);
    REQUIRE(p.size() == 1);
    CHECK(p[0].rule_id == "anomaly:team");
    CHECK(p[0].confirmed == 1);
    CHECK(p[0].dismissed == 1);
    CHECK(p[0].precision() == Approx(0.5));
  }

  SECTION("bad feedback is refused with a reason") {
    CHECK_THROWS_WITH(record_feedback(db, config, "F999", FeedbackKind::confirmed, "U", "", {}, now), "no finding F999");
    CHECK_THROWS_WITH(record_feedback(db, config, "x", FeedbackKind::confirmed, "U", "", {}, now),
                      Catch::Contains("expected a finding id"));
    CHECK_THROWS_WITH(record_feedback(db, config, std::to_string(f.id), FeedbackKind::planned, "U", "", {}, now),
                      Catch::Contains("needs an end date"));
  }
}

namespace {

// An organisation of four resources in two teams, two accounts and three services, 120 days of
// weekday-patterned cost; `change(resource, day)` multiplies a resource's cost.
template <class Change>
void fill_org(testing::CostFixture& fx, Change change) {
  struct Res {
    const char* id;
    const char* team;
    const char* service;
    const char* account;
    double daily;
  };
  const Res resources[] = {{"pay-web", "payments", "Amazon EC2", "111111111111", 600},
                           {"pay-db", "payments", "Amazon RDS", "111111111111", 400},
                           {"search-web", "search", "Amazon EC2", "111111111111", 500},
                           {"search-idx", "search", "Amazon OpenSearch", "222222222222", 300}};
  for (const auto& r : resources) {
    std::vector<double> values(120);
    for (int i = 0; i < 120; ++i) {
      const Day d = kFirst + days{i};
      values[static_cast<std::size_t>(i)] =
          r.daily * (weekday(d) == 0 || weekday(d) == 6 ? 0.7 : 1.0) * (1 + 0.02 * std::sin(i * 1.3 + r.daily)) * change(r.id, i);
    }
    testing::CostRow row({}, 0, r.team);
    row.resource = r.id;
    row.service = r.service;
    row.account = r.account;
    row.sku = std::string(r.id) + "-sku";
    fx.add_series(kFirst, values, row);
  }
}

config::Config org_config() {
  config::Config c;
  auto issues = config::check_text(R"(
teams:
  - name: payments
  - name: search
detection:
  anomaly:
    scopes: [team, service, account, provider, resource]
)", &c);
  INFO(issues.to_string());
  REQUIRE(issues.empty());
  return c;
}

}  // namespace

TEST_CASE("one cost event is one incident at the narrowest scope that explains it", "[detect][incidents][correlation]") {
  struct Case {
    const char* name;
    std::function<double(const std::string&, int)> change;
    std::vector<std::string> incident_scopes;  // resource ids, one per expected open incident
    std::vector<std::string> context;          // broader scopes named in the first incident's finding
  };
  const std::vector<Case> cases = {
      {"one 12x spike on one instance, seen at resource, service, account, team and provider",
       [](const std::string& r, int i) { return r == "pay-web" && i == 119 ? 12.0 : 1.0; },
       {"pay-web"},
       {"team payments", "service Amazon EC2", "account 111111111111", "provider aws"}},
      {"two independent events in one account (a database that tripled, a web tier spike)",
       [](const std::string& r, int i) { return (r == "pay-db" && i >= 110) ? 3.0 : (r == "search-web" && i == 119) ? 8.0 : 1.0; },
       {"pay-db", "search-web"},
       {}},
      {"nothing happened", [](const std::string&, int) { return 1.0; }, {}, {}},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      testing::TempDir dir;
      auto db = storage::open_migrated(dir.file("d.db"));
      testing::CostFixture fx(db);
      fill_org(fx, c.change);
      const auto config = org_config();
      for (int day = 100; day < 120; ++day) run_detection(db, config, 3'000'000 + 86400 * day, kFirst + days{day});
      auto open = FindingStore(db).incidents(FindingQuery::open());
      std::vector<std::string> scopes;
      for (const auto& i : open) {
        INFO(i.scope_dimension << " " << i.scope_value << ": " << i.title);
        CHECK(i.scope_dimension == "resource");
        scopes.push_back(i.scope_value);
      }
      std::sort(scopes.begin(), scopes.end());
      CHECK(scopes == c.incident_scopes);
      if (!c.context.empty() && !open.empty()) {
        auto f = FindingStore(db).finding(open[0].latest_finding_id);
        REQUIRE(f);
        std::vector<std::string> seen;
        for (const auto& r : f->related) seen.push_back(r.dimension + " " + r.value);
        for (const auto& want : c.context) {
          INFO(want);
          CHECK(std::find(seen.begin(), seen.end(), want) != seen.end());
        }
        // Dollars are the resource's own, never the sum of the scopes that saw it.
        CHECK(open[0].peak_impact_per_day == Approx(11 * 600).epsilon(0.1));
      }
      // Nothing else was recorded as a finding of its own: only the incidents' scopes have findings.
      for (const auto& f : FindingStore(db).findings(FindingQuery::open()))
        CHECK(std::find(c.incident_scopes.begin(), c.incident_scopes.end(), f.scope_value) != c.incident_scopes.end());
    }
  }
}

TEST_CASE("at stake counts each dollar once: nested scopes are not summed, budget overruns are not added",
          "[detect][incidents][correlation]") {
  testing::TempDir dir;
  auto db = storage::open_migrated(dir.file("stake.db"));
  FindingStore store(db);
  int next = 0;
  auto open_incident = [&](const std::string& kind, const std::string& dimension, const std::string& value, double impact,
                           const std::string& resource = "") {
    Finding f;
    f.kind = kind;
    f.rule_id = kind.rfind("budget", 0) == 0 ? "budget:payments" : "anomaly:" + dimension;
    f.fingerprint = "stake|" + std::to_string(++next);
    f.scope_dimension = dimension;
    f.scope_value = value;
    f.team = "payments";
    f.provider = "aws";
    f.account = "111111111111";
    f.service = "Amazon Elastic Compute Cloud";
    f.resource = resource;
    f.severity = "high";
    f.day = kFirst;
    f.impact_per_day = impact;
    f.actual = 1000 + impact;
    f.expected = 1000;
    auto tx = db.begin_write();
    store.upsert(f, 1000);
    store.attach_to_incident(f, 1000);
    tx.commit();
  };
  const config::CorrelationConfig scopes;  // the shipped hierarchies
  auto stake = [&] { return at_stake_per_day(store, scopes, store.incidents(FindingQuery::open())); };

  open_incident("cost_spike", "resource", "payments-gpu-1", 1650, "payments-gpu-1");
  CHECK(stake() == Approx(1650));
  // The same event left open at its team (not explained enough to be context): counted once, the
  // larger of the two.
  open_incident("cost_spike", "team", "payments", 1500);
  CHECK(stake() == Approx(1650));
  // ... and at its account, broader still, with more change of its own.
  open_incident("level_shift", "account", "111111111111", 2200);
  CHECK(stake() == Approx(2200));
  // A budget running over because of it adds nothing; waste elsewhere adds its own dollars.
  open_incident("budget_forecast", "team", "payments", 900);
  CHECK(stake() == Approx(2200));
  open_incident("idle_compute", "resource", "payments-old-box", 40, "payments-old-box");
  CHECK(stake() == Approx(2240));
  // Two changes on two resources of one team, the team's own smaller: the parts count.
  testing::TempDir other_dir;
  auto other = storage::open_migrated(other_dir.file("two.db"));
  FindingStore other_store(other);
  auto add = [&](const std::string& dimension, const std::string& value, double impact, const std::string& resource) {
    Finding f;
    f.kind = "cost_spike";
    f.rule_id = "anomaly:" + dimension;
    f.fingerprint = "two|" + value;
    f.scope_dimension = dimension;
    f.scope_value = value;
    f.team = "payments";
    f.resource = resource;
    f.severity = "high";
    f.day = kFirst;
    f.impact_per_day = impact;
    auto tx = other.begin_write();
    other_store.upsert(f, 1000);
    other_store.attach_to_incident(f, 1000);
    tx.commit();
  };
  add("resource", "a", 300, "a");
  add("resource", "b", 400, "b");
  add("team", "payments", 500, "");
  CHECK(at_stake_per_day(other_store, scopes, other_store.incidents(FindingQuery::open())) == Approx(700));
}
