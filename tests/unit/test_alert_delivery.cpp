#include <catch2/catch.hpp>

#include <set>

#include "engine/alerts/alert_store.hpp"
#include "engine/alerts/delivery.hpp"
#include "engine/alerts/digest.hpp"
#include "engine/alerts/escalation.hpp"
#include "adapters/pagerduty/page_event.hpp"
#include "engine/messages/copies.hpp"
#include "engine/outbox/outbox.hpp"
#include "engine/util/json_fields.hpp"
#include "tests/support/alerts_support.hpp"
#include "tests/support/messages_support.hpp"

using namespace costbot;
using Catch::Contains;
using testing::outbox_rows;
namespace json = boost::json;

namespace {

constexpr UnixSeconds kT0 = 1726660800;  // 2024-09-18T12:00:00Z (14:00 in Berlin)


// What the channel sends for a row (rendered by its renderer), its address and its message.
json::object alert_body(const testing::OutboxRow& row) { return testing::rendered(row); }
std::string alert_text(const testing::OutboxRow& row) { return testing::rendered_text(row); }
std::string alert_target(const testing::OutboxRow& row) { return testing::address_of(row).target; }
std::string alert_subject(const testing::OutboxRow& row) { return testing::message_of(row).subject; }
json::object alert_page_event(const testing::OutboxRow& row) {
  return pagerduty::event_for(messages::effect_from<messages::Page>(row.payload), {"costbot", ""});
}

alerts::DeliveryReport deliver(testing::AlertsWorld& w, UnixSeconds now) {
  return alerts::AlertDelivery(w.db(), w.config(), w.templates(), now).run();
}

// Only the FinOps analyst, to Slack #finops and the web feed.
const std::string kAnalystOnly = R"(
personas:
  cfo: {enabled: false}
  engineer: {enabled: false}
  eng_manager: {enabled: false}
  finops_analyst:
    min_severity: low
    deliver: {slack: ["#finops"], web: true}
)";

}  // namespace

TEST_CASE("many findings at once become one message per persona per channel, with the top items and N more", "[alerts][delivery]") {
  testing::AlertsWorld w(kAnalystOnly + "alerts:\n  grouping: {min_items: 3, top_items: 2}\n");
  for (int i = 0; i < 5; ++i) {
    testing::FindingSpec s;
    s.resource = "i-group-" + std::to_string(i);
    s.severity = "high";
    s.impact_per_day = 100.0 * (i + 1);
    w.add_finding(s);
  }
  testing::FindingSpec critical;
  critical.resource = "i-critical";
  critical.severity = "critical";
  critical.impact_per_day = 4000;
  w.add_finding(critical);

  auto report = deliver(w, kT0);
  INFO(report.summary());
  auto slack = outbox_rows(w.db(), "slack.post");
  auto web = outbox_rows(w.db(), "web.post");
  // Slack: one grouped message for the five, the critical one alone (it can escalate).
  REQUIRE(slack.size() == 2);
  CHECK(report.grouped == 1);
  const auto group = json::serialize(alert_body(slack[0]).at("blocks"));
  CHECK_THAT(json_string(alert_body(slack[0]), "text"), Contains("5 cost alerts"));
  CHECK_THAT(group, Contains("and 3 more"));
  CHECK_THAT(group, Contains("i-group-4"));  // the largest first
  CHECK_THAT(group, Contains("i-group-3"));
  CHECK_THAT(group, !Contains("i-group-0"));
  CHECK(alert_target(slack[0]) == "#finops");
  CHECK_THAT(alert_subject(slack[0]), Contains("alerts:"));
  CHECK(alert_subject(slack[1]).rfind("incident:", 0) == 0);
  CHECK_THAT(alert_text(slack[1]), Contains("costbot.ack:incident:"));
  // The web feed takes one item per incident, in the persona's feed.
  REQUIRE(web.size() == 6);
  for (const auto& row : web) {
    CHECK(alert_target(row) == "persona:finops_analyst");
    CHECK(testing::message_of(row).version >= 1);
    CHECK(alert_body(row).at("view").is_object());
  }
  // A second run sends nothing again.
  auto again = deliver(w, kT0 + 60);
  CHECK_FALSE(again.queued());
  CHECK(outbox_rows(w.db()).size() == 8);
}

TEST_CASE("an incident update edits the earlier messages in place instead of posting again", "[alerts][delivery]") {
  testing::AlertsWorld w(kAnalystOnly);
  testing::FindingSpec s;
  s.severity = "high";
  s.impact_per_day = 600;
  auto incident = w.add_finding(s);
  deliver(w, kT0);
  auto posts = outbox_rows(w.db(), "slack.post");
  REQUIRE(posts.size() == 1);

  w.update_incident(incident, 1800, "critical");
  // Slack has not answered the first post yet: the edit is queued, and waits in the outbox for the
  // post it edits (nothing is posted twice).
  auto edited = deliver(w, kT0 + 3600);
  CHECK(edited.updated == 2);  // the Slack message and the web feed item
  CHECK(outbox_rows(w.db(), "slack.post").size() == 1);
  auto updates = outbox_rows(w.db(), "slack.update");
  REQUIRE(updates.size() == 1);
  CHECK_FALSE(outbox::claim(w.db(), kT0 + 3600, 60, {"slack.update"}));
  auto web = outbox_rows(w.db(), "web.update");
  REQUIRE(web.size() == 1);  // the feed item is replaced by a newer version
  CHECK(alert_subject(web[0]) == alert_subject(outbox_rows(w.db(), "web.post")[0]));
  CHECK(testing::message_of(web[0]).version > testing::message_of(outbox_rows(w.db(), "web.post")[0]).version);
  CHECK(json_string(alert_body(web[0]), "severity") == "critical");

  testing::land(w.db(), posts[0].key, "C0FINOPS", "1700000000.000100", "", kT0 + 3700);
  auto due = outbox::claim(w.db(), kT0 + 3800, 60, {"slack.update"});
  REQUIRE(due);
  CHECK(due->idempotency_key == updates[0].key);
  // The edit goes to the one copy, where the post landed (its channel and ts, added at delivery).
  auto copy = messages::CopyStore(w.db()).find(alert_subject(updates[0]), testing::address_of(updates[0]));
  REQUIRE(copy);
  CHECK(copy->conversation == "C0FINOPS");
  CHECK(copy->message_id == "1700000000.000100");
  CHECK_THAT(json_string(alert_body(updates[0]), "text"), Contains("$1,800"));
  CHECK_THAT(alert_text(updates[0]), Contains("updated"));
  CHECK(outbox_rows(w.db(), "slack.post").size() == 1);

  // Resolution edits again and shows it.
  w.resolve_incident(incident);
  deliver(w, kT0 + 7200);
  updates = outbox_rows(w.db(), "slack.update");
  REQUIRE(updates.size() == 2);
  CHECK_THAT(alert_text(updates[1]), Contains("Resolved"));
  CHECK_THAT(alert_text(updates[1]), !Contains("costbot.ack:"));  // no buttons on a closed alert
  CHECK(alerts::items_about(w.db(), "incident:" + std::to_string(incident)).front().state.rfind("resolved|", 0) == 0);
}

TEST_CASE("alerts held for quiet hours go out on the first run after they end", "[alerts][delivery]") {
  testing::AlertsWorld w(R"(
personas:
  cfo: {enabled: false}
  engineer: {enabled: false}
  eng_manager: {enabled: false}
  finops_analyst:
    min_severity: low
    quiet_hours: {from: "22:00", to: "07:00", timezone: Europe/Berlin}
)");
  testing::FindingSpec s;
  s.severity = "high";
  w.add_finding(s);
  const UnixSeconds night = 1726693200;  // 23:00 in Berlin
  auto held = deliver(w, night);
  CHECK(held.held == 1);
  CHECK(outbox_rows(w.db()).empty());
  CHECK(deliver(w, night + 3 * 3600).held == 1);  // 02:00: still quiet
  auto morning = deliver(w, *parse_instant("2024-09-19T05:00:00Z"));  // 07:00 in Berlin
  CHECK(morning.held == 0);
  CHECK(outbox_rows(w.db(), "web.post").size() == 1);
}

TEST_CASE("PagerDuty: a trigger for a critical incident, then resolve, with the incident as dedup_key", "[alerts][delivery][pagerduty]") {
  testing::AlertsWorld w(R"(
personas:
  cfo: {enabled: false}
  engineer:
    min_severity: high
    deliver: {pagerduty: true, web: false}
  eng_manager: {enabled: false}
  finops_analyst: {enabled: false}
pagerduty:
  routing_key: R0UTINGKEY0000000000000000000000
)");
  testing::FindingSpec s;
  s.severity = "critical";
  s.impact_per_day = 5000;
  auto incident = w.add_finding(s);
  testing::FindingSpec high = s;
  high.severity = "high";
  high.resource = "i-high";
  w.add_finding(high);
  deliver(w, kT0);
  auto pages = outbox_rows(w.db(), "pagerduty.event");
  REQUIRE(pages.size() == 1);  // the high one is below pagerduty.min_severity
  CHECK_FALSE(pages[0].payload.contains("routing_key"));  // added at delivery: no secret in the outbox
  const auto trigger = alert_page_event(pages[0]);
  CHECK(json_string(trigger, "event_action") == "trigger");
  CHECK(json_string(trigger, "dedup_key") == "incident:" + std::to_string(incident));
  CHECK(json_string(trigger.at("payload").as_object(), "severity") == "critical");
  CHECK(json_string(trigger.at("payload").as_object(), "source") == "costbot");
  CHECK(json_string(trigger.at("payload").as_object(), "group") == "payments");

  w.resolve_incident(incident);
  deliver(w, kT0 + 600);
  pages = outbox_rows(w.db(), "pagerduty.event");
  REQUIRE(pages.size() == 2);
  CHECK(json_string(alert_page_event(pages[1]), "event_action") == "resolve");
  CHECK(json_string(alert_page_event(pages[1]), "dedup_key") == "incident:" + std::to_string(incident));
  deliver(w, kT0 + 1200);
  CHECK(outbox_rows(w.db(), "pagerduty.event").size() == 2);
}

TEST_CASE("escalation: the manager after N hours, then the director after M hours, each once",
          "[alerts][escalation]") {
  const std::string yaml = kAnalystOnly + "alerts:\n  escalation: {manager_after_hours: 2, director_after_hours: 6}\n";
  ManualClock clock(kT0);
  testing::AlertsWorld w(yaml);
  testing::FindingSpec s;
  s.severity = "critical";
  s.impact_per_day = 4000;
  auto incident = w.add_finding(s);
  const std::string subject = "incident:" + std::to_string(incident);
  alerts::AlertDelivery(w.db(), w.config(), w.templates(), clock.now()).run();
  auto posts = outbox_rows(w.db(), "slack.post");
  REQUIRE(posts.size() == 1);
  testing::land(w.db(), posts[0].key, "C0FINOPS", "1700000000.000200", "", clock.now());
  auto escalate = [&] { return alerts::run_escalation(w.db(), w.config(), w.templates(), clock.now()); };

  clock.advance(3600);  // 1 h
  CHECK(escalate().steps == 0);
  clock.advance(3600);  // 2 h: the team's manager
  auto manager = escalate();
  CHECK(manager.steps == 1);
  auto replies = outbox_rows(w.db(), "slack.post");
  REQUIRE(replies.size() == 2);
  // A reply in the thread of the alert's copy (its channel and ts are the copy's, at delivery).
  CHECK(replies[1].payload.at("in_thread").as_bool());
  CHECK(replies[1].payload.at("broadcast").as_bool());
  CHECK(testing::address_of(replies[1]) == testing::address_of(posts[0]));
  CHECK(alert_subject(replies[1]) == subject);
  CHECK_THAT(alert_text(replies[1]), Contains("<@U0PAYMGR>"));
  CHECK_THAT(alert_text(replies[1]), Contains("Unacknowledged for 2 hours"));
  auto web = outbox_rows(w.db(), "web.post");
  CHECK(alert_subject(web.back()) == subject + ":escalation");
  clock.advance(1800);  // 2.5 h: nothing new
  CHECK(escalate().steps == 0);
  clock.advance(4 * 3600);  // 6.5 h: the director
  CHECK(escalate().steps == 1);
  replies = outbox_rows(w.db(), "slack.post");
  REQUIRE(replies.size() == 3);
  CHECK_THAT(alert_text(replies[2]), Contains("<@U0DIR>"));
  clock.advance(24 * 3600);
  CHECK(escalate().steps == 0);  // every step once
}

TEST_CASE("an acknowledgement before the deadline stops escalation and edits every copy of the alert", "[alerts][escalation]") {
  const std::string yaml = kAnalystOnly + "alerts:\n  escalation: {manager_after_hours: 2, director_after_hours: 6}\n";
  testing::FindingSpec s;
  s.severity = "critical";
  s.impact_per_day = 4000;
  testing::AlertsWorld w2(yaml);
  auto id2 = w2.add_finding(s);
  const std::string subject2 = "incident:" + std::to_string(id2);
  ManualClock c2(kT0);
  alerts::AlertDelivery(w2.db(), w2.config(), w2.templates(), c2.now()).run();
  auto first = outbox_rows(w2.db(), "slack.post");
  testing::land(w2.db(), first[0].key, "C0FINOPS", "1700000000.000300", "", c2.now());
  c2.advance(3600);
  {
    auto tx = w2.db().begin_write();
    auto ack = alerts::acknowledge(w2.db(), w2.config(), w2.templates(), subject2, "slack", "U0ONCALL", "oncall", c2.now());
    tx.commit();
    CHECK(ack.acknowledged);
    CHECK_THAT(ack.message, Contains("escalation stopped"));
    auto again = alerts::acknowledge(w2.db(), w2.config(), w2.templates(), subject2, "slack", "U0OTHER", "other", c2.now());
    CHECK_FALSE(again.acknowledged);
    CHECK_THAT(again.message, Contains("Already acknowledged by oncall"));
  }
  auto updates = outbox_rows(w2.db(), "slack.update");
  REQUIRE(updates.size() == 1);
  CHECK_THAT(alert_text(updates[0]), Contains("Acknowledged by oncall"));
  CHECK_THAT(alert_text(updates[0]), !Contains("costbot.ack:"));
  c2.advance(10 * 3600);
  CHECK(alerts::run_escalation(w2.db(), w2.config(), w2.templates(), c2.now()).steps == 0);
  CHECK(outbox_rows(w2.db(), "slack.post").size() == 1);
}

TEST_CASE("daily and weekly digests per persona (top changes, open incidents, budget pace), once a day", "[alerts][digest]") {
  testing::AlertsWorld w(R"(
personas:
  cfo: {deliver: {slack: ["#exec"]}}
  eng_manager: {scope: [payments], deliver: {slack: [U0PAYMGR]}}
  finops_analyst:
    quiet_hours: {from: "00:00", to: "09:00", timezone: Europe/Berlin}
)");
  w.seed_spike(9000);
  const UnixSeconds eight = *parse_instant("2024-09-19T06:00:00Z");  // 08:00 in Berlin
  auto daily = alerts::send_digests(w.db(), w.config(), w.templates(), "daily", eight);
  // Daily: the FinOps analyst (digests: daily) and the engineering manager (frequency daily_digest).
  CHECK(daily.personas == 2);
  auto web = outbox_rows(w.db(), "web.post");
  REQUIRE(web.size() == 2);
  std::set<std::string> feeds;
  for (const auto& r : web) feeds.insert(alert_target(r));
  CHECK(feeds == std::set<std::string>{"persona:finops_analyst", "persona:eng_manager"});
  for (const auto& r : web) {
    const auto said = json_string(alert_body(r), "text");
    INFO(said);
    CHECK_THAT(said, Contains("Daily cost digest"));
    CHECK_THAT(said, Contains("payments"));
    CHECK_THAT(said, Contains("% of pace"));
  }
  // The analyst's quiet hours end at 09:00 Berlin (07:00 UTC): its digest waits until then.
  for (const auto& r : web)
    if (alert_target(r) == "persona:finops_analyst") CHECK(r.next_attempt_at == *parse_instant("2024-09-19T07:00:00Z"));
  auto dm = outbox_rows(w.db(), "slack.post");
  REQUIRE(dm.size() == 1);
  CHECK(alert_target(dm[0]) == "U0PAYMGR");
  CHECK_THAT(alert_text(dm[0]), Contains("Budget pace"));

  auto again = alerts::send_digests(w.db(), w.config(), w.templates(), "daily", eight + 600);
  CHECK(again.skipped == 2);
  CHECK(outbox_rows(w.db()).size() == 3);

  auto weekly = alerts::send_digests(w.db(), w.config(), w.templates(), "weekly", eight);
  CHECK(weekly.personas == 3);  // cfo, finops_analyst, eng_manager
  auto cfo_slack = outbox_rows(w.db(), "slack.post");
  bool cfo_found = false;
  for (const auto& r : cfo_slack)
    if (alert_target(r) == "#exec") {
      cfo_found = true;
      CHECK_THAT(alert_text(r), Contains("Weekly cost digest"));
      CHECK_THAT(alert_text(r), Contains("open incident"));
    }
  CHECK(cfo_found);
}
