// Approvals end to end over HTTP: signed Slack clicks, the reject-reason modal and chat commands
// reach the approvals engine through the real server; every posted copy is edited in place by the
// outbox against the Slack fake; the final approval opens the ticket in the Jira fake.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <thread>

#include "engine/audit/audit.hpp"
#include "engine/detect/finding_store.hpp"
#include "engine/messages/copies.hpp"
#include "engine/messages/publish.hpp"
#include "engine/outbox/outbox.hpp"
#include "tests/support/approvals_service.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/finding_seed.hpp"

using namespace costbot;
namespace json = boost::json;
using testing::eventually;

namespace {

// The service, checked for protocol mistakes (Slack, Jira) once it has stopped.
struct ApprovalsHttpFlow : testing::ApprovalsService {
  using ApprovalsService::ApprovalsService;
  ~ApprovalsHttpFlow() {
    harness.reset();
    CHECK(violations().empty());
  }
  std::string text_of(const json::object& message) { return json::serialize(message); }
  std::int64_t decisions(std::int64_t id) {
    return count("SELECT COUNT(*) FROM approval_decisions WHERE request_id = " + std::to_string(id));
  }
};

std::string value(std::int64_t id, int stage) { return "approval:" + std::to_string(id) + ":" + std::to_string(stage); }

}  // namespace

TEST_CASE("a Slack click approves, refusals are ephemeral, and the ticket shows on the message", "[approvals][http]") {
  ApprovalsHttpFlow f;
  auto id = f.open_request(400);  // workflow small: the team lead decides
  REQUIRE(f.slack.wait_for_calls("chat.postMessage", 1));
  auto post = f.slack.calls("chat.postMessage").at(0);
  CHECK(post.at("channel").as_string() == testing::kApprovalsChannel);
  CHECK_THAT(f.text_of(post), Catch::Contains("costbot.approve:approval:1") && Catch::Contains("\"approval:1:0\""));
  auto ts = f.posted_ts(id);
  REQUIRE_FALSE(ts.empty());

  // Someone who is not an approver: told so, alone; nothing changes, the attempt is audited.
  CHECK(f.click("approve", value(id, 0), "U_STRANGER", "stranger", ts).status == 200);
  REQUIRE(f.slack.wait_for_response_url_posts(1));
  auto note = f.slack.response_url_posts().back();
  CHECK(note.at("response_type") == "ephemeral");
  CHECK_THAT(f.text_of(note), Catch::Contains("not an approver of this stage"));
  // The requester: never their own approver.
  CHECK(f.click("approve", value(id, 0), "U_REQ", "self", ts).status == 200);
  REQUIRE(f.slack.wait_for_response_url_posts(2));
  CHECK_THAT(f.last_note(), Catch::Contains("cannot decide it"));
  CHECK(f.decisions(id) == 0);
  CHECK(f.count("SELECT COUNT(*) FROM audit_log WHERE action = 'decision.denied'") == 2);
  CHECK(f.slack.calls("chat.update").empty());

  // The lead approves: final; the ticket is opened in Jira and every copy shows it.
  CHECK(f.click("approve", value(id, 0), "U_LEAD", "lead", ts).status == 200);
  REQUIRE(f.jira.wait_for_creates(1));
  auto shown = f.wait_for_update("FIN-1");
  REQUIRE(shown);
  CHECK(shown->at("ts").as_string() == ts);
  CHECK(shown->at("channel").as_string() == testing::kApprovalsChannel);
  CHECK_THAT(f.text_of(*shown), Catch::Contains(f.jira.base_url() + "/browse/FIN-1") && Catch::Contains("Approved"));
  CHECK_THAT(f.text_of(*shown), !Catch::Contains("costbot.approve"));  // no buttons once decided
  REQUIRE(f.slack.wait_for_response_url_posts(3));
  CHECK_THAT(f.last_note(), Catch::Contains("is approved"));
  auto issue = f.jira.issue("FIN-1");
  REQUIRE(issue);
  CHECK(std::find(issue->labels.begin(), issue->labels.end(), "costbot-req-1") != issue->labels.end());
  CHECK(issue->fields.at("description").at("type") == "doc");
  CHECK(f.count("SELECT COUNT(*) FROM approval_tickets WHERE ticket_key = 'FIN-1' AND request_id = 1") == 1);

  // A double click after the fact changes nothing and opens no second ticket.
  CHECK(f.click("approve", value(id, 0), "U_LEAD", "again", ts).status == 200);
  REQUIRE(f.slack.wait_for_response_url_posts(4));
  CHECK_THAT(f.last_note(), Catch::Contains("already decided"));
  CHECK(f.decisions(id) == 1);
  CHECK(f.jira.create_calls() == 1);
  CHECK(f.count("SELECT COUNT(*) FROM outbox WHERE kind = 'ticket.create'") == 1);
  CHECK(audit::verify(f.db()).ok);
}

TEST_CASE("two approvers clicking at the same moment decide the stage once", "[approvals][http]") {
  ApprovalsHttpFlow f;
  for (int round = 0; round < 4; ++round) {
    auto id = f.open_request(500, "U_REQ", "", "either");  // any one FinOps analyst, no ticket
    std::string a, b;
    std::thread first([&] { a = std::to_string(f.click("approve", value(id, 0), "U_F1", "a" + std::to_string(id)).status); });
    std::thread second([&] { b = std::to_string(f.click("approve", value(id, 0), "U_F2", "b" + std::to_string(id)).status); });
    first.join();
    second.join();
    CHECK(a == "200");
    CHECK(b == "200");
    CHECK(f.decisions(id) == 1);
    CHECK(f.count("SELECT COUNT(*) FROM approval_requests WHERE status = 'approved' AND id = " + std::to_string(id)) == 1);
  }
  // Every click was answered: four approvals and four "already approved".
  REQUIRE(f.slack.wait_for_response_url_posts(8));
  int approved = 0, refused = 0;
  for (const auto& note : f.slack.response_url_posts()) {
    auto text = json::serialize(note);
    approved += text.find("is approved") != std::string::npos;
    refused += text.find("already approved") != std::string::npos;
  }
  CHECK(approved == 4);
  CHECK(refused == 4);
  CHECK(f.count("SELECT COUNT(*) FROM outbox WHERE kind = 'ticket.create'") == 0);
}

TEST_CASE("Reject asks why in a modal, and the reason is on every copy and feeds detection", "[approvals][http]") {
  ApprovalsHttpFlow f;
  auto finding = testing::seed_finding(f.db(), {}, f.clock.now());
  // Opened from chat: request ticket F<id> by the engineer who saw it.
  auto opened = f.command("request ticket " + std::to_string(finding.id), "U_REQ");
  CHECK_THAT(opened, Catch::Contains("Approval request *#1* opened for F" + std::to_string(finding.id)));
  auto again = f.command("request ticket " + std::to_string(finding.id), "U_OTHER");
  CHECK_THAT(again, Catch::Contains("already has approval request #1"));
  CHECK_THAT(f.command("request ticket 999", "U_REQ"), Catch::Contains("There is no finding F999"));
  auto ts = f.posted_ts(1);
  REQUIRE_FALSE(ts.empty());

  CHECK(f.click("reject", value(1, 0), "U_LEAD", "rj", ts).status == 200);
  REQUIRE(f.slack.wait_for_calls("views.open", 1));
  auto view = f.slack.calls("views.open").at(0).at("view").as_object();
  CHECK_THAT(json::serialize(view.at("private_metadata")), Catch::Contains("approval:1:0"));
  CHECK(f.decisions(1) == 0);
  // A stranger who got hold of the modal changes nothing either.
  CHECK(f.submit_reject_reason("approval:1:0", "U_STRANGER", "no").status == 200);
  REQUIRE(f.slack.wait_for_response_url_posts(1));
  CHECK_THAT(f.last_note(), Catch::Contains("not an approver of this stage"));
  CHECK(f.decisions(1) == 0);

  CHECK(f.submit_reject_reason("approval:1:0", "U_LEAD", "The batch job runs until Friday").status == 200);
  auto shown = f.wait_for_update("The batch job runs until Friday");
  REQUIRE(shown);
  CHECK(shown->at("ts").as_string() == ts);
  CHECK_THAT(f.text_of(*shown), Catch::Contains("Rejected"));
  // Detection hears it: the finding is dismissed with the reason.
  REQUIRE(eventually([&] {
    return f.count("SELECT COUNT(*) FROM feedback WHERE kind = 'rejected' AND reason = 'The batch job runs until Friday'") == 1;
  }));
  CHECK(detect::FindingStore(f.db()).finding(finding.id)->status == "dismissed");
  CHECK(f.count("SELECT COUNT(*) FROM outbox WHERE kind = 'ticket.create'") == 0);
}

TEST_CASE("chat commands list, approve and reject through the same engine", "[approvals][http]") {
  ApprovalsHttpFlow f;
  auto small = f.open_request(400);          // lead decides
  auto mid = f.open_request(4000, "U_F3");   // lead, then two FinOps analysts
  auto all = f.command("approvals", "U_NOBODY");
  CHECK_THAT(all, Catch::Contains("Open approval requests") && Catch::Contains("Team lead (1/2)"));
  auto lead = f.command("approvals mine", "U_LEAD");
  CHECK_THAT(lead, Catch::Contains("you (U_LEAD)"));
  CHECK_THAT(f.command("approvals mine", "U_NOBODY"), Catch::Contains("Nothing waits for you"));
  auto asked = f.command("approvals mine", "U_F3");  // U_F3 asked for the mid one, decides neither
  CHECK_THAT(asked, Catch::Contains("Team lead (1/2)") && !Catch::Contains("Team lead (1/1)"));

  CHECK_THAT(f.command("approve " + std::to_string(mid), "U_F1"), Catch::Contains("not an approver of this stage"));
  CHECK_THAT(f.command("approve " + std::to_string(mid), "U_LEAD"), Catch::Contains("moves to 'FinOps'"));
  CHECK_THAT(f.command("approvals mine", "U_F1"), Catch::Contains("you (U_F1"));
  CHECK_THAT(f.command("reject " + std::to_string(small), "U_LEAD"), Catch::Contains("needs a reason"));
  CHECK(f.decisions(small) == 0);
  CHECK_THAT(f.command("reject " + std::to_string(small) + " not idle, it is the DR standby", "U_LEAD"),
             Catch::Contains("was rejected"));
  CHECK_THAT(f.command("approve 77", "U_LEAD"), Catch::Contains("There is no approval request #77"));
  auto rejected = f.wait_for_update("not idle, it is the DR standby");
  REQUIRE(rejected);
  auto audited = audit::list(f.db(), "approval:" + std::to_string(small));
  CHECK(std::any_of(audited.begin(), audited.end(), [](const audit::Row& r) { return r.action == "decision.reject"; }));
}

TEST_CASE("an SLA that runs out auto-rejects and every copy says so", "[approvals][http]") {
  ApprovalsHttpFlow f;
  auto id = f.open_request(400);  // small: remind at the SLA (24h), notify +12h, auto-reject +24h
  auto ts = f.posted_ts(id);
  REQUIRE_FALSE(ts.empty());
  f.clock.advance(49 * 3600);
  // Past the auto_reject deadline (+48h) the SLA tick has not run yet: the lead's late Approve does
  // not beat the workflow. Refused to the clicker alone, audited, the request still open.
  CHECK(f.click("approve", value(id, 0), "U_LEAD", "early", ts).status == 200);
  REQUIRE(f.slack.wait_for_response_url_posts(1));
  CHECK_THAT(f.last_note(), Catch::Contains("passed at") && Catch::Contains("auto_reject"));
  CHECK(f.decisions(id) == 0);
  CHECK(f.count("SELECT COUNT(*) FROM approval_requests WHERE status = 'open' AND id = " + std::to_string(id)) == 1);
  CHECK(f.count("SELECT COUNT(*) FROM audit_log WHERE action = 'decision.denied' AND actor = 'U_LEAD' AND "
                "details LIKE '%deadline_passed%'") == 1);
  auto report = f.engine->tick(f.db(), f.clock.now());  // what the approvals_sla job runs every minute
  CHECK(report.auto_rejected == 1);
  CHECK(report.reminders == 1);
  f.wake();
  auto shown = f.wait_for_update("Rejected");
  REQUIRE(shown);
  CHECK(shown->at("ts").as_string() == ts);
  CHECK(f.count("SELECT COUNT(*) FROM approval_decisions WHERE actor = 'system' AND verdict = 'reject'") == 1);
  // The reminder went into the message's thread.
  REQUIRE(eventually([&] {
    for (const auto& p : f.slack.calls("chat.postMessage"))
      if (p.contains("thread_ts") && p.at("thread_ts").as_string() == ts) return true;
    return false;
  }));
  // A late click finds the request closed.
  CHECK(f.click("approve", value(id, 0), "U_LEAD", "late", ts).status == 200);
  REQUIRE(f.slack.wait_for_response_url_posts(2));
  CHECK_THAT(f.last_note(), Catch::Contains("already decided") || Catch::Contains("already rejected"));
}

TEST_CASE("a delegate's click counts for the approver it stands in for", "[approvals][http]") {
  ApprovalsHttpFlow f;
  f.engine->delegate(f.db(), {"U_LEAD", "U_DEPUTY", f.clock.now() - 60, f.clock.now() + 7 * 86400, "on leave", "U_LEAD"},
                     f.clock.now());
  auto id = f.open_request(400);
  auto ts = f.posted_ts(id);
  CHECK(f.click("approve", value(id, 0), "U_DEPUTY", "deputy", ts).status == 200);
  auto shown = f.wait_for_update("FIN-1");
  REQUIRE(shown);
  CHECK_THAT(f.text_of(*shown), Catch::Contains("delegate"));
  CHECK(f.count("SELECT COUNT(*) FROM approval_decisions WHERE principal = 'U_LEAD' AND actor = 'U_DEPUTY'") == 1);
  // Revoked: the deputy is nobody again.
  auto later = f.open_request(300);
  auto delegations = approvals::list_delegations(f.db());
  REQUIRE(delegations.size() == 1);
  f.engine->revoke_delegation(f.db(), delegations[0].id, "U_LEAD", f.clock.now());
  CHECK(f.click("approve", value(later, 0), "U_DEPUTY", "revoked").status == 200);
  REQUIRE(f.slack.wait_for_response_url_posts(2));
  CHECK_THAT(f.last_note(), Catch::Contains("not an approver of this stage"));
}

TEST_CASE("Not an anomaly on a finding is detection feedback and redraws the alert", "[approvals][http][detect]") {
  ApprovalsHttpFlow f;
  auto finding = testing::seed_finding(f.db(), {}, f.clock.now());
  const std::string subject = "finding:" + std::to_string(finding.id);
  // An alert for the finding, posted through the outbox as the alert producer does.
  {
    auto& db = f.db();
    auto tx = db.begin_write();
    chat::Reply alert;
    alert.text("Idle instance i-0abc");
    messages::post(db, {"slack", "C0ALERTS"}, messages::reply_message(subject, alert, 1), "alert:" + subject, f.clock.now());
    tx.commit();
    f.wake();
  }
  REQUIRE(eventually([&] {
    auto copy = messages::CopyStore(f.db()).find(subject, {"slack", "C0ALERTS"});
    return copy && copy->landed();
  }));
  // Issue 15 finding 7: anyone in the channel could silence and retune detection. Not any more:
  // it needs finops_admin, and the refusal is audited.
  CHECK(f.click("not_anomaly", subject, "U_STRANGER", "na0").status == 200);
  REQUIRE(f.slack.wait_for_response_url_posts(1));
  CHECK_THAT(f.last_note(), Catch::Contains("finops_admin"));
  CHECK(f.count("SELECT COUNT(*) FROM feedback") == 0);
  CHECK(f.count("SELECT COUNT(*) FROM audit_log WHERE action = 'access.denied' AND actor = 'U_STRANGER'") == 1);
  CHECK(f.click("not_anomaly", subject, "U_ENG", "na").status == 200);
  REQUIRE(eventually([&] { return f.count("SELECT COUNT(*) FROM feedback WHERE kind = 'not_anomaly' AND actor = 'U_ENG'") == 1; }));
  CHECK(detect::FindingStore(f.db()).finding(finding.id)->status == "dismissed");
  REQUIRE(f.slack.wait_for_calls("chat.update", 1));
  CHECK_THAT(json::serialize(f.slack.calls("chat.update").at(0)), Catch::Contains("Marked as not an anomaly by user-U_ENG"));
  REQUIRE(f.slack.wait_for_response_url_posts(2));
  CHECK_THAT(f.last_note(), Catch::Contains("is marked as not an anomaly"));
  // Twice is once.
  CHECK(f.click("not_anomaly", subject, "U_ENG2", "na2").status == 200);
  REQUIRE(f.slack.wait_for_response_url_posts(3));
  CHECK_THAT(f.last_note(), Catch::Contains("already marked"));
  CHECK(f.count("SELECT COUNT(*) FROM feedback") == 1);
  // Acknowledge is not approvals' business: the handler before it still records it.
  CHECK(f.click("ack", subject, "U_ENG", "ack").status == 200);
  REQUIRE(eventually([&] { return f.count("SELECT COUNT(*) FROM chat_decisions WHERE verb = 'ack'") == 1; }));
}

TEST_CASE("a decision made while the first post is still queued reaches that post once it lands", "[approvals][http]") {
  ApprovalsHttpFlow f;
  f.slack.rate_limit_next("chat.postMessage", 30);  // Slack holds the first post back
  auto id = f.open_request(4000);                     // mid: the lead, then two FinOps analysts
  REQUIRE(f.slack.wait_for_calls("chat.postMessage", 1));
  approvals::Decision lead;
  lead.request_id = id;
  lead.actor = "U_LEAD";
  lead.source = "cli";
  REQUIRE(f.engine->decide(f.db(), lead, f.clock.now()).outcome == approvals::Outcome::stage_advanced);
  // The post goes out as it was rendered (version 1); the copy is then brought to version 2.
  REQUIRE(f.advance_until([&] { return f.slack.calls("chat.postMessage").size() == 2; }, 10));
  auto shown = f.wait_for_update("FinOps");
  REQUIRE(shown);
  CHECK_THAT(f.text_of(*shown), Catch::Contains("approval:" + std::to_string(id) + ":1"));  // buttons for stage 2
  CHECK(f.slack.calls("chat.postMessage").size() == 2);  // one refused with 429, then the one post
  // The copy's version is recorded after Slack answered the update, in the outbox worker's transaction.
  CHECK(eventually([&] {
    auto copy = messages::CopyStore(f.db()).find("approval:" + std::to_string(id), {"slack", testing::kApprovalsChannel});
    return copy && copy->shown_version == 2;
  }));
}
