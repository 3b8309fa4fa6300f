#include <catch2/catch.hpp>

#include "engine/alerts/facts.hpp"
#include "engine/alerts/quiet_hours.hpp"
#include "engine/alerts/routing.hpp"
#include "engine/audit/audit.hpp"
#include "engine/detect/finding_store.hpp"
#include "tests/support/alerts_support.hpp"

using namespace costbot;
using alerts::RouteMode;
using Catch::Contains;

namespace {

// 2024-09-18 is a Wednesday; Berlin is UTC+2 in September (CEST) and UTC+1 in December (CET).
constexpr UnixSeconds kNoonUtc = 1726660800;    // 2024-09-18T12:00:00Z
constexpr UnixSeconds kNightUtc = 1726693200;   // 2024-09-18T21:00:00Z = 23:00 in Berlin

const alerts::RouteDecision& decision_for(const std::vector<alerts::RouteDecision>& all, const std::string& persona) {
  for (const auto& d : all)
    if (d.persona == persona) return d;
  FAIL("no decision for " << persona);
  return all.front();
}

std::string reasons(const alerts::RouteDecision& d) {
  std::string out = d.verdict + "\n";
  for (const auto& r : d.reasons) out += r + "\n";
  for (const auto& s : d.skipped) out += "skipped " + s.target.text() + ": " + s.reason + "\n";
  return out;
}

const std::string kPersonas = R"(
personas:
  cfo:
    min_severity: high
    deliver: {slack: ["#exec"], email: [cfo@example.com]}
    quiet_hours: {from: "22:00", to: "07:00", timezone: Europe/Berlin, breakthrough: critical}
  engineer:
    min_severity: medium
    deliver: {slack: [team]}
  finops_analyst:
    min_severity: low
  eng_manager:
    min_severity: low
    scope: [platform]
    frequency: daily_digest
  budget_watch:
    kinds: ["budget_*"]
    min_severity: low
)";

}  // namespace

TEST_CASE("routing: severity, kinds, scope and frequency decide who gets a finding, each with its reason", "[alerts][routing]") {
  testing::AlertsWorld w(kPersonas);
  testing::FindingSpec spec;
  spec.severity = "medium";
  spec.impact_per_day = 300;
  auto incident = w.add_finding(spec);
  auto ref = alerts::load_finding(w.db(), "I" + std::to_string(incident));
  auto all = alerts::route(w.db(), w.config(), ref.finding, ref.incident, kNoonUtc);
  REQUIRE(all.size() == 5);

  const auto& cfo = decision_for(all, "cfo");
  INFO(reasons(cfo));
  CHECK(cfo.mode == RouteMode::none);
  CHECK(cfo.verdict == "does not get it: severity medium is below min_severity high");

  const auto& engineer = decision_for(all, "engineer");
  INFO(reasons(engineer));
  CHECK(engineer.mode == RouteMode::real_time);
  CHECK_THAT(reasons(engineer), Contains("kind cost_spike is in kinds [cost_anomaly, waste]"));
  CHECK_THAT(reasons(engineer), Contains("severity medium meets min_severity medium"));
  // "team" resolves to the finding team's channel; the web feed is on by default.
  REQUIRE(engineer.targets.size() == 2);
  CHECK(engineer.targets[0].text() == "web persona:engineer");
  CHECK(engineer.targets[1].text() == "slack #payments-costs");
  CHECK(engineer.targets[1].via == "deliver.slack: team (payments)");

  const auto& analyst = decision_for(all, "finops_analyst");
  CHECK(analyst.mode == RouteMode::real_time);
  CHECK_THAT(reasons(analyst), Contains("kind cost_spike (every kind)"));

  const auto& manager = decision_for(all, "eng_manager");
  CHECK(manager.mode == RouteMode::none);
  CHECK(manager.verdict == "does not get it: team payments is not in scope [platform]");

  const auto& budget = decision_for(all, "budget_watch");
  CHECK(budget.verdict == "does not get it: kind cost_spike is not in kinds [budget_*]");
}

TEST_CASE("routing: digest-only personas, disabled personas and closed incidents say so", "[alerts][routing]") {
  testing::AlertsWorld w(kPersonas + "  finops_analyst:\n    enabled: false\n");
  testing::FindingSpec spec;
  spec.team = "platform";
  spec.severity = "high";
  auto incident = w.add_finding(spec);
  auto ref = alerts::load_finding(w.db(), "I" + std::to_string(incident));
  auto all = alerts::route(w.db(), w.config(), ref.finding, ref.incident, kNoonUtc);
  const auto& manager = decision_for(all, "eng_manager");
  CHECK(manager.mode == RouteMode::digest);
  CHECK(manager.verdict == "in the daily digest only");
  CHECK(manager.targets.empty());
  CHECK(decision_for(all, "finops_analyst").verdict == "does not get it: the persona is disabled (personas.finops_analyst.enabled: false)");
  // platform has no slack_channel: the engineer's "team" target is skipped, with why.
  const auto& engineer = decision_for(all, "engineer");
  REQUIRE(engineer.skipped.size() == 1);
  CHECK(engineer.skipped[0].reason == "team platform has no slack_channel");

  w.resolve_incident(incident);
  ref = alerts::load_finding(w.db(), "I" + std::to_string(incident));
  auto after = alerts::route(w.db(), w.config(), ref.finding, ref.incident, kNoonUtc);
  CHECK_THAT(decision_for(after, "engineer").verdict, Contains("is resolved (earlier messages are updated, nothing new is sent)"));
}

TEST_CASE("routing: quiet hours hold alerts in the persona's own time zone, critical breaks through", "[alerts][routing]") {
  testing::AlertsWorld w(kPersonas);
  testing::FindingSpec spec;
  spec.severity = "high";
  auto high = w.add_finding(spec);
  spec.severity = "critical";
  spec.resource = "i-0critical";
  spec.impact_per_day = 5000;
  auto critical = w.add_finding(spec);
  auto high_ref = alerts::load_finding(w.db(), "I" + std::to_string(high));
  auto critical_ref = alerts::load_finding(w.db(), "I" + std::to_string(critical));

  const auto* cfo = w.config().personas.find("cfo");
  auto at_noon = alerts::route_for(w.db(), w.config(), *cfo, high_ref.finding, high_ref.incident, kNoonUtc);
  CHECK(at_noon.mode == RouteMode::real_time);
  CHECK_THAT(reasons(at_noon), Contains("outside quiet hours 22:00-07:00 Europe/Berlin (now 14:00 Europe/Berlin)"));

  auto at_night = alerts::route_for(w.db(), w.config(), *cfo, high_ref.finding, high_ref.incident, kNightUtc);
  INFO(reasons(at_night));
  CHECK(at_night.mode == RouteMode::held);
  // 07:00 in Berlin on Sep 19 is 05:00 UTC (summer time).
  REQUIRE(at_night.held_until);
  CHECK(format_instant(*at_night.held_until) == "2024-09-19T05:00:00Z");
  CHECK(at_night.verdict == "held for quiet hours until 07:00 Europe/Berlin (05:00 UTC)");
  CHECK_THAT(reasons(at_night), Contains("now 23:00 Europe/Berlin"));

  auto critical_night = alerts::route_for(w.db(), w.config(), *cfo, critical_ref.finding, critical_ref.incident, kNightUtc);
  CHECK(critical_night.mode == RouteMode::real_time);
  CHECK_THAT(reasons(critical_night), Contains("but severity critical breaks through (breakthrough: critical)"));
  // The CFO's Slack and email need configuration: email is off here, and says so.
  bool email_skipped = false;
  for (const auto& s : critical_night.skipped)
    email_skipped = email_skipped || (s.target.channel_kind == "email" && s.reason == "email is not configured (email.smtp_url / SMTP_URL)");
  CHECK(email_skipped);
}

TEST_CASE("quiet hours follow daylight saving time and windows within one day", "[alerts][routing]") {
  config::QuietHoursConfig q;
  q.enabled = true;
  q.timezone = "Europe/Berlin";
  q.start_minute = 22 * 60;
  q.end_minute = 7 * 60;
  // Winter: 23:00 UTC on Dec 10 is 00:00 in Berlin; the window ends at 07:00 CET = 06:00 UTC.
  auto winter = alerts::quiet_state(q, *parse_instant("2024-12-10T23:00:00Z"));
  CHECK(winter.quiet);
  CHECK(format_instant(winter.ends_at) == "2024-12-11T06:00:00Z");
  CHECK(alerts::quiet_state(q, *parse_instant("2024-12-10T20:59:00Z")).quiet == false);  // 21:59 local
  CHECK(alerts::quiet_state(q, *parse_instant("2024-12-10T21:00:00Z")).quiet);           // 22:00 local
  // A window inside one day, in New York (UTC-4 in summer).
  q.timezone = "America/New_York";
  q.start_minute = 12 * 60;
  q.end_minute = 13 * 60;
  auto lunch = alerts::quiet_state(q, *parse_instant("2024-07-01T16:30:00Z"));
  CHECK(lunch.quiet);
  CHECK(lunch.local_now == "12:30 America/New_York");
  CHECK(format_instant(lunch.ends_at) == "2024-07-01T17:00:00Z");
  CHECK_FALSE(alerts::quiet_state(q, *parse_instant("2024-07-01T17:00:00Z")).quiet);
  CHECK(alerts::parse_clock_time("24:00", true) == 1440);
  CHECK_FALSE(alerts::parse_clock_time("24:00"));
  CHECK_FALSE(alerts::is_valid_timezone("Europe/Atlantis"));
}

TEST_CASE("routing: chat subscribers are targets, and PagerDuty takes only its severity", "[alerts][routing]") {
  testing::AlertsWorld w(R"(
personas:
  engineer:
    deliver: {pagerduty: true, web: false}
pagerduty:
  routing_key: R0UTINGKEY0000000000000000000000
)");
  alerts::subscribe(w.db(), {"slack", "U0ALICE", "alice", "engineer", "D0ALICE", "T1"}, 1);
  alerts::subscribe(w.db(), {"teams", "29:bob", "Bob", "engineer", "19:conv@thread", "tenant"}, 2);
  testing::FindingSpec spec;
  spec.severity = "high";
  auto high = w.add_finding(spec);
  auto ref = alerts::load_finding(w.db(), "I" + std::to_string(high));
  auto d = alerts::route_for(w.db(), w.config(), *w.config().personas.find("engineer"), ref.finding, ref.incident, kNoonUtc);
  INFO(reasons(d));
  REQUIRE(d.targets.size() == 2);
  CHECK(d.targets[0].text() == "slack U0ALICE");
  CHECK(d.targets[0].via == "subscribed in chat: alice (U0ALICE)");
  CHECK(d.targets[1].text() == "teams 19:conv@thread");
  REQUIRE(d.skipped.size() == 1);
  CHECK(d.skipped[0].reason == "severity high is below pagerduty.min_severity critical");

  spec.severity = "critical";
  spec.resource = "i-0other";
  auto critical = w.add_finding(spec);
  ref = alerts::load_finding(w.db(), "I" + std::to_string(critical));
  d = alerts::route_for(w.db(), w.config(), *w.config().personas.find("engineer"), ref.finding, ref.incident, kNoonUtc);
  REQUIRE(d.targets.size() == 3);
  CHECK(d.targets[0].text() == "pagerduty events");
}

TEST_CASE("subscriptions: one per user and persona, moved by a new subscribe, ended one or all at once", "[alerts][routing]") {
  testing::AlertsWorld w("");
  auto channels = [&](const std::string& persona) {
    std::vector<std::string> out;
    for (const auto& s : alerts::subscribers(w.db(), persona)) out.push_back(s.platform + ":" + s.user_id + "@" + s.channel);
    return out;
  };
  alerts::subscribe(w.db(), {"slack", "U1", "alice", "cfo", "D1", "T1"}, 10);
  alerts::subscribe(w.db(), {"slack", "U1", "alice", "engineer", "D1", "T1"}, 11);
  alerts::subscribe(w.db(), {"teams", "29:u1", "Alice", "cfo", "19:c", "tenant"}, 12);  // another platform: another user
  alerts::subscribe(w.db(), {"slack", "U1", "alice", "cfo", "D9", "T1"}, 13);           // the same one, moved
  CHECK(channels("cfo") == std::vector<std::string>{"slack:U1@D9", "teams:29:u1@19:c"});
  CHECK(channels("engineer") == std::vector<std::string>{"slack:U1@D1"});

  CHECK(alerts::unsubscribe(w.db(), "slack", "U1", "finops_analyst", 14) == 0);
  CHECK(alerts::unsubscribe(w.db(), "slack", "U1", "cfo", 15) == 1);
  CHECK(channels("cfo") == std::vector<std::string>{"teams:29:u1@19:c"});
  CHECK(alerts::unsubscribe(w.db(), "slack", "U1", "", 16) == 1);  // every persona: engineer was left
  CHECK(channels("engineer").empty());
  CHECK(channels("cfo").size() == 1);  // the Teams user is someone else

  // Each change is audited; asking to end what does not exist changes nothing and is not.
  std::vector<std::string> actions;
  for (const auto& row : audit::list(w.db(), "subscription:slack:U1")) actions.push_back(row.action + "@" + std::to_string(row.at));
  CHECK(actions == std::vector<std::string>{"subscription.add@10", "subscription.add@11", "subscription.add@13",
                                            "subscription.remove@15", "subscription.remove@16"});
}
