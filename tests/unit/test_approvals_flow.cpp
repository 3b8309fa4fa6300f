#include <catch2/catch.hpp>

#include "engine/audit/audit.hpp"
#include "engine/util/error.hpp"
#include "engine/messages/copies.hpp"
#include "engine/outbox/outbox.hpp"
#include "tests/support/approvals_support.hpp"
#include "tests/support/messages_support.hpp"

using namespace costbot;
using approvals::Outcome;
using approvals::Verdict;
using testing::ApprovalsFixture;
using testing::kApprovalsT0;
using testing::count_rows;
using testing::outbox_rows;
using testing::rendered_text;

namespace {
// The first Slack post of a request (to the team's #payments) as Slack would answer it.
std::string slack_post_key(std::int64_t id) { return "approval:" + std::to_string(id) + ":post:slack:#payments"; }
}  // namespace

namespace {

std::int64_t decisions(ApprovalsFixture& f) { return count_rows(*f.db, "SELECT COUNT(*) FROM approval_decisions"); }
std::int64_t audit_rows(ApprovalsFixture& f) { return count_rows(*f.db, "SELECT COUNT(*) FROM audit_log"); }
std::int64_t effects(ApprovalsFixture& f) { return count_rows(*f.db, "SELECT COUNT(*) FROM outbox"); }
}  // namespace

TEST_CASE("the dollar amount's tier chooses the workflow and its stages", "[approvals]") {
  auto [amount, workflow, stages] = GENERATE(table<double, std::string, std::size_t>({
      {0, "small", 1}, {999.99, "small", 1}, {1000, "mid", 2}, {9999, "mid", 2}, {10000, "big", 3}, {2.5e6, "big", 3}}));
  ApprovalsFixture f;
  auto id = f.request(amount);
  auto r = f.load(id);
  CHECK(r.workflow == workflow);
  CHECK(r.stages.size() == stages);
  CHECK(r.status == "open");
  CHECK(r.current_stage == 0);
  CHECK(r.stages[0].approvers == std::vector<std::string>{"U_LEAD"});
  CHECK(r.stages[0].status == "active");
  CHECK(*r.stages[0].due_at == kApprovalsT0 + 24 * 3600);
}

TEST_CASE("a big request goes lead, then every FinOps analyst, then the CFO, then a Jira ticket", "[approvals]") {
  ApprovalsFixture f;
  auto id = f.request(25000);
  CHECK(outbox_rows(*f.db, "web.post").size() == 1);
  REQUIRE(outbox_rows(*f.db, "slack.post").size() == 1);
  CHECK(testing::address_of(outbox_rows(*f.db, "slack.post")[0]) == messages::Address{"slack", "#payments"});

  CHECK(f.decide(id, "U_LEAD", Verdict::approve, 0, "idle for a month").outcome == Outcome::stage_advanced);
  CHECK(f.decide(id, "U_F1", Verdict::approve, 1).outcome == Outcome::applied);
  CHECK(f.decide(id, "U_F2", Verdict::approve, 1).outcome == Outcome::applied);
  CHECK(f.load(id).current_stage == 1);
  CHECK(outbox_rows(*f.db, "ticket.create").empty());
  CHECK(f.decide(id, "U_F3", Verdict::approve, 1).outcome == Outcome::stage_advanced);
  auto last = f.decide(id, "U_CFO", Verdict::approve, 2, "go");
  CHECK(last.outcome == Outcome::approved_final);
  CHECK(last.request_status == "approved");

  auto r = f.load(id);
  CHECK(r.status == "approved");
  CHECK_FALSE(r.current_stage);
  CHECK(r.decisions.size() == 5);
  for (const auto& s : r.stages) CHECK(s.status == "approved");

  auto tickets = outbox_rows(*f.db, "ticket.create");
  REQUIRE(tickets.size() == 1);
  CHECK(tickets[0].key == "approval:" + std::to_string(id) + ":jira.create_issue");
  const auto& fields = tickets[0].payload.at("body").at("fields").as_object();
  CHECK(fields.at("project").at("key").as_string() == "FIN");
  CHECK(fields.at("issuetype").at("name").as_string() == "Task");
  CHECK(fields.at("priority").at("name").as_string() == "High");
  CHECK(fields.at("assignee").at("id").as_string() == "acc-lead");
  CHECK(fields.at("components").as_array()[0].at("name").as_string() == "Cloud Cost");
  auto labels = fields.at("labels").as_array();
  CHECK(std::find(labels.begin(), labels.end(), boost::json::value("costbot-req-" + std::to_string(id))) != labels.end());
  CHECK(tickets[0].payload.at("idempotency_label").as_string() == "costbot-req-" + std::to_string(id));
  auto description = boost::json::serialize(fields.at("description"));
  CHECK(description.find("\"type\":\"doc\"") != std::string::npos);
  CHECK(description.find("idle for a month") != std::string::npos);  // the approval trail
  CHECK(description.find("charts/abc.png") != std::string::npos);    // the chart link
  CHECK(description.find("Amazon EC2") != std::string::npos);        // a finding fact

  // request.created + 5 decisions, all in one intact chain.
  CHECK(audit_rows(f) == 6);
  CHECK(audit::verify(*f.db).ok);
}

TEST_CASE("a quorum of N needs N distinct approvers", "[approvals]") {
  ApprovalsFixture f;
  auto id = f.request(5000);  // mid: lead, then finops quorum 2 of 3
  f.decide(id, "U_LEAD", Verdict::approve, 0);
  CHECK(f.decide(id, "U_F1", Verdict::approve, 1).outcome == Outcome::applied);
  CHECK(f.decide(id, "U_F1", Verdict::approve, 1).outcome == Outcome::already_decided);
  CHECK(f.load(id).status == "open");
  CHECK(f.decide(id, "U_F3", Verdict::approve, 1).outcome == Outcome::approved_final);
  CHECK(f.decide(id, "U_F2", Verdict::approve, 1).outcome == Outcome::request_closed);
  CHECK(f.load(id).decisions_of(1).size() == 2);
}

TEST_CASE("one reject rejects the request, records the reason and feeds detection back", "[approvals]") {
  ApprovalsFixture f;
  auto id = f.request(25000, "costbot", "F-77");
  f.decide(id, "U_LEAD", Verdict::approve, 0);
  f.decide(id, "U_F1", Verdict::approve, 1);
  auto result = f.decide(id, "U_F2", Verdict::reject, 1, "this is a planned migration");
  CHECK(result.outcome == Outcome::rejected);
  auto r = f.load(id);
  CHECK(r.status == "rejected");
  CHECK(r.rejection_reason == "this is a planned migration");
  CHECK(r.stages[1].status == "rejected");
  CHECK(r.stages[2].status == "pending");
  CHECK(outbox_rows(*f.db, "ticket.create").empty());
  auto feedback = outbox_rows(*f.db, "detect.feedback");
  REQUIRE(feedback.size() == 1);
  CHECK(feedback[0].payload.at("finding_id").as_string() == "F-77");
  CHECK(feedback[0].payload.at("reason").as_string() == "this is a planned migration");
  CHECK(feedback[0].payload.at("automatic").as_bool() == false);
  // Later clicks change nothing.
  CHECK(f.decide(id, "U_F3", Verdict::approve, 1).outcome == Outcome::request_closed);
  CHECK(f.decide(id, "U_F2", Verdict::reject, 1).outcome == Outcome::already_decided);
}

TEST_CASE("someone who is not an approver of the stage changes nothing and the attempt is audited", "[approvals]") {
  ApprovalsFixture f;
  auto id = f.request(25000);
  auto version = f.load(id).version;
  auto before_effects = effects(f), before_audit = audit_rows(f);
  bool audited = true;
  SECTION("a stranger") {
    auto r = f.decide(id, "U_STRANGER", Verdict::approve, 0);
    CHECK(r.outcome == Outcome::not_an_approver);
    CHECK(r.message.find("not an approver of this stage") != std::string::npos);
  }
  SECTION("an approver of a later stage") {
    CHECK(f.decide(id, "U_CFO", Verdict::reject, 0).outcome == Outcome::not_an_approver);
  }
  SECTION("a click for a stage not reached yet is refused without an audit row") {
    CHECK(f.decide(id, "U_CFO", Verdict::approve, 2).outcome == Outcome::stage_not_active);
    audited = false;
  }
  CHECK(decisions(f) == 0);
  CHECK(f.load(id).version == version);
  CHECK(f.load(id).status == "open");
  CHECK(effects(f) == before_effects);
  if (!audited) {
    CHECK(audit_rows(f) == before_audit);
    return;
  }
  REQUIRE(audit_rows(f) == before_audit + 1);
  auto last = audit::list(*f.db, "approval:" + std::to_string(id)).back();
  CHECK(last.action == "decision.denied");
  CHECK(last.details.find("not_an_approver") != std::string::npos);
}

TEST_CASE("a requester never approves their own request", "[approvals]") {
  ApprovalsFixture f;
  SECTION("the team lead requests: the stage falls back to the manager") {
    auto id = f.request(500, "U_LEAD");
    auto r = f.load(id);
    CHECK(r.stages[0].approvers == std::vector<std::string>{"U_MGR"});
    auto result = f.decide(id, "U_LEAD", Verdict::approve, 0);
    CHECK(result.outcome == Outcome::self_approval_forbidden);
    CHECK(f.load(id).status == "open");
    CHECK(audit::list(*f.db).back().details.find("self_approval") != std::string::npos);
    CHECK(f.decide(id, "U_MGR", Verdict::approve, 0).outcome == Outcome::approved_final);
  }
  SECTION("a FinOps analyst requests: 'all' means the other analysts") {
    auto id = f.request(25000, "U_F1");
    auto r = f.load(id);
    CHECK(r.stages[1].approvers == std::vector<std::string>{"U_F2", "U_F3"});
    CHECK(r.stages[1].required == 2);
    f.decide(id, "U_LEAD", Verdict::approve, 0);
    CHECK(f.decide(id, "U_F1", Verdict::approve, 1).outcome == Outcome::self_approval_forbidden);
  }
  SECTION("not even as someone's delegate") {
    auto id = f.request(500, "U_REQ");
    f.engine->delegate(*f.db, {"U_LEAD", "U_REQ", kApprovalsT0 - 10, kApprovalsT0 + 86400, "vacation", "U_LEAD"}, kApprovalsT0);
    CHECK(f.decide(id, "U_REQ", Verdict::approve, 0).outcome == Outcome::self_approval_forbidden);
    CHECK(decisions(f) == 0);
  }
  SECTION("a stage with nobody left but the requester cannot be created") {
    ApprovalsFixture g;
    approvals::RequestFacts facts;
    facts.title = "x";
    facts.team = "payments";
    facts.amount = 50000;
    facts.requester = "U_CFO";  // the CFO stage has no fallback
    CHECK_THROWS_WITH(g.engine->create_request(*g.db, facts, kApprovalsT0),
                      Catch::Contains("stage 'CFO'") && Catch::Contains("nobody but the requester"));
    CHECK(count_rows(*g.db, "SELECT COUNT(*) FROM approval_requests") == 0);
  }
}

TEST_CASE("a double click, a retried webhook or a late click never decides a stage twice", "[approvals]") {
  ApprovalsFixture f;
  auto id = f.request(25000);
  CHECK(f.decide(id, "U_LEAD", Verdict::approve, 0).outcome == Outcome::stage_advanced);
  auto before_effects = effects(f), before_audit = audit_rows(f), version = f.load(id).version;
  SECTION("the same click again (retried webhook)") {
    auto again = f.decide(id, "U_LEAD", Verdict::approve, 0);
    CHECK(again.outcome == Outcome::already_decided);
  }
  SECTION("the same person without a stage (CLI)") {
    CHECK(f.decide(id, "U_LEAD", Verdict::approve).outcome == Outcome::already_decided);
  }
  SECTION("a late click for stage 1 by someone who also approves stage 2 does not land on stage 2") {
    CHECK(f.decide(id, "U_F1", Verdict::approve, 0).outcome == Outcome::already_decided);
  }
  SECTION("a double click within a stage") {
    CHECK(f.decide(id, "U_F1", Verdict::approve, 1).outcome == Outcome::applied);
    before_effects = effects(f), before_audit = audit_rows(f), version = f.load(id).version;
    CHECK(f.decide(id, "U_F1", Verdict::approve, 1).outcome == Outcome::already_decided);
    CHECK(f.decide(id, "U_F1", Verdict::reject, 1).outcome == Outcome::already_decided);
  }
  CHECK(effects(f) == before_effects);
  CHECK(audit_rows(f) == before_audit);
  CHECK(f.load(id).version == version);
  CHECK(f.load(id).decisions_of(0).size() == 1);
}

TEST_CASE("a delegate decides for an approver only while the delegation is active", "[approvals]") {
  ApprovalsFixture f;
  auto id = f.request(500);
  f.engine->delegate(*f.db, {"U_LEAD", "U_DEPUTY", kApprovalsT0 + 3600, kApprovalsT0 + 2 * 86400, "vacation", "U_LEAD"}, kApprovalsT0);
  SECTION("before it starts") {
    CHECK(f.decide(id, "U_DEPUTY", Verdict::approve, 0, "", kApprovalsT0 + 60).outcome == Outcome::not_an_approver);
  }
  SECTION("while active: counted for the approver, acted by the delegate") {
    auto r = f.decide(id, "U_DEPUTY", Verdict::approve, 0, "ok while Lee is away", kApprovalsT0 + 7200);
    CHECK(r.outcome == Outcome::approved_final);
    CHECK(r.principals == std::vector<std::string>{"U_LEAD"});
    auto d = f.load(id).decisions.at(0);
    CHECK(d.principal == "U_LEAD");
    CHECK(d.actor == "U_DEPUTY");
    // The approver then has nothing left to decide.
    CHECK(f.decide(id, "U_LEAD", Verdict::approve, 0, "", kApprovalsT0 + 7300).outcome == Outcome::already_decided);
  }
  SECTION("after it expired") {
    CHECK(f.decide(id, "U_DEPUTY", Verdict::approve, 0, "", kApprovalsT0 + 2 * 86400).outcome == Outcome::not_an_approver);
  }
  SECTION("after it was revoked") {
    auto delegation = approvals::list_delegations(*f.db).at(0).id;
    f.engine->revoke_delegation(*f.db, delegation, "U_LEAD", kApprovalsT0 + 3700);
    CHECK(f.decide(id, "U_DEPUTY", Verdict::approve, 0, "", kApprovalsT0 + 7200).outcome == Outcome::not_an_approver);
    auto rows = audit::list(*f.db, "delegation:" + std::to_string(delegation));
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].action == "delegation.created");
    CHECK(rows[1].action == "delegation.revoked");
  }
  CHECK(audit::verify(*f.db).ok);
}

TEST_CASE("a delegation is validated", "[approvals]") {
  ApprovalsFixture f;
  CHECK_THROWS_AS(f.engine->delegate(*f.db, {"U_A", "U_A", kApprovalsT0, kApprovalsT0 + 10, "", ""}, kApprovalsT0), Error);
  CHECK_THROWS_AS(f.engine->delegate(*f.db, {"U_A", "U_B", kApprovalsT0, kApprovalsT0 - 10, "", ""}, kApprovalsT0), Error);
  CHECK_THROWS_AS(f.engine->delegate(*f.db, {"U_A", "U_B", kApprovalsT0 - 100, kApprovalsT0 - 10, "", ""}, kApprovalsT0), Error);
  CHECK_THROWS_AS(f.engine->delegate(*f.db, {"U_A", "system", kApprovalsT0, kApprovalsT0 + 10, "", ""}, kApprovalsT0), Error);
  CHECK(approvals::list_delegations(*f.db).empty());
}

TEST_CASE("every posted copy is edited in place after a decision", "[approvals]") {
  ApprovalsFixture f;
  auto id = f.request(5000);
  const std::string subject = "approval:" + std::to_string(id);
  testing::land(*f.db, slack_post_key(id), "C0PAY", "1726653600.000100");
  messages::CopyStore(*f.db).adopt(subject, {"teams", "19:conv"}, "19:conv", "act-1", "https://smba.example/", kApprovalsT0);
  CHECK(messages::CopyStore(*f.db).copies_of(subject).size() == 3);  // web, slack, teams
  CHECK(outbox_rows(*f.db, "slack.update").empty());                   // nothing changed since the post

  f.decide(id, "U_LEAD", Verdict::approve, 0, "looks right");
  auto slack = outbox_rows(*f.db, "slack.update");
  REQUIRE(slack.size() == 1);
  CHECK(testing::address_of(slack[0]) == messages::Address{"slack", "#payments"});  // the copy's channel and ts: at delivery
  auto slack_json = rendered_text(slack[0]);
  CHECK(slack_json.find("<@U_LEAD>") != std::string::npos);
  CHECK(slack_json.find("looks right") != std::string::npos);
  CHECK(slack_json.find("\"value\":\"approval:" + std::to_string(id) + ":1\"") != std::string::npos);  // buttons now for stage 2
  auto teams = outbox_rows(*f.db, "teams.update");
  REQUIRE(teams.size() == 1);
  CHECK(testing::address_of(teams[0]) == messages::Address{"teams", "19:conv"});
  CHECK(rendered_text(teams[0]).find("looks right") != std::string::npos);
  CHECK(rendered_text(teams[0]).find("<@U_LEAD>") == std::string::npos);  // people are plain in Teams
  auto web = outbox_rows(*f.db, "web.update");
  REQUIRE(web.size() == 1);
  auto post = testing::rendered(web.back());
  CHECK(post.at("view").at("stages").as_array()[0].at("status").as_string() == "approved");
  // The web channel's buttons: approve / reject for the stage now active, and details.
  auto actions = post.at("actions").as_array();
  REQUIRE(actions.size() == 3);
  CHECK(actions[0].at("verb").as_string() == "approve");
  CHECK(actions[0].at("subject").as_string() == "approval:" + std::to_string(id) + ":1");
  CHECK(actions[2].at("verb").as_string() == "details");
  // One version counter for the message: the post was 1, this redraw is 2 everywhere.
  CHECK(testing::message_of(slack[0]).version == 2);
  CHECK(testing::message_of(teams[0]).version == 2);
}

TEST_CASE("a change before the first post is delivered is drawn after it, never before", "[approvals]") {
  ApprovalsFixture f;
  auto id = f.request(5000);
  f.decide(id, "U_LEAD", Verdict::approve, 0);
  // The edit waits in the outbox for the post it edits.
  auto updates = outbox_rows(*f.db, "slack.update");
  REQUIRE(updates.size() == 1);
  CHECK_FALSE(outbox::claim(*f.db, kApprovalsT0 + 60, 60, {"slack.update"}));
  auto post = outbox::claim(*f.db, kApprovalsT0 + 60, 60, {"slack.post"});
  REQUIRE(post);
  CHECK(post->idempotency_key == slack_post_key(id));
  testing::land(*f.db, slack_post_key(id), "C0PAY", "111.222", "", kApprovalsT0 + 61);
  auto edit = outbox::claim(*f.db, kApprovalsT0 + 62, 60, {"slack.update"});
  REQUIRE(edit);
  CHECK(testing::message_of({edit->kind, edit->idempotency_key, edit->payload, 0}).version == f.load(id).version);
}

TEST_CASE("the ticket is recorded once and its status moves the request and every copy", "[approvals]") {
  ApprovalsFixture f;
  auto id = f.request(500, "U_REQ", "F-9");
  testing::land(*f.db, slack_post_key(id), "C0PAY", "111.222");
  CHECK(f.engine->record_ticket(*f.db, id, "FIN-1", "https://x.atlassian.net/browse/FIN-1", kApprovalsT0).outcome ==
        approvals::TicketOutcome::conflict);  // not approved yet
  f.decide(id, "U_LEAD", Verdict::approve, 0);
  auto updates_before = outbox_rows(*f.db, "slack.update").size();

  auto recorded = f.engine->record_ticket(*f.db, id, "FIN-1", "https://x.atlassian.net/browse/FIN-1", kApprovalsT0 + 10);
  CHECK(recorded.outcome == approvals::TicketOutcome::recorded);
  auto updates = outbox_rows(*f.db, "slack.update");
  REQUIRE(updates.size() == updates_before + 1);
  CHECK(rendered_text(updates.back()).find("https://x.atlassian.net/browse/FIN-1|FIN-1") != std::string::npos);
  CHECK(f.engine->record_ticket(*f.db, id, "FIN-1", "", kApprovalsT0 + 20).outcome == approvals::TicketOutcome::already_recorded);
  CHECK(f.engine->record_ticket(*f.db, id, "FIN-2", "", kApprovalsT0 + 20).outcome == approvals::TicketOutcome::conflict);
  CHECK(outbox_rows(*f.db, "slack.update").size() == updates_before + 1);

  auto moved = f.engine->ticket_status_changed(*f.db, "FIN-1", "Won't Do", "done", kApprovalsT0 + 30);
  CHECK(moved.outcome == approvals::TicketOutcome::status_changed);
  CHECK(f.load(id).outcome == "wont_do");
  CHECK(f.engine->ticket_status_changed(*f.db, "FIN-1", "Won't Do", "done", kApprovalsT0 + 40).outcome ==
        approvals::TicketOutcome::unchanged);
  f.engine->ticket_status_changed(*f.db, "FIN-1", "Done", "done", kApprovalsT0 + 50);
  CHECK(f.load(id).outcome == "done");
  auto incident = outbox_rows(*f.db, "detect.incident_status");
  REQUIRE(incident.size() == 2);
  CHECK(incident.back().payload.at("outcome").as_string() == "done");
  CHECK(incident.back().payload.at("finding_id").as_string() == "F-9");
  CHECK(f.engine->ticket_status_changed(*f.db, "NOPE-1", "Done", "done", kApprovalsT0).outcome == approvals::TicketOutcome::not_found);

  auto actions = audit::list(*f.db, "approval:" + std::to_string(id));
  CHECK(actions.back().action == "ticket.status");
  CHECK(audit::verify(*f.db).ok);
}

TEST_CASE("a finding opens a request by its kind, severity and amount, once", "[approvals]") {
  ApprovalsFixture f;
  approvals::FindingFacts finding;
  finding.id = "F-1";
  finding.kind = "idle_compute";
  finding.severity = "high";
  finding.title = "Idle instances";
  finding.team = "payments";
  finding.amount = 400;
  SECTION("a matching finding, twice") {
    auto first = f.engine->maybe_request_for_finding(*f.db, finding, kApprovalsT0);
    REQUIRE(first);
    CHECK(first->created);
    CHECK(first->workflow == "small");
    auto again = f.engine->maybe_request_for_finding(*f.db, finding, kApprovalsT0 + 60);
    REQUIRE(again);
    CHECK_FALSE(again->created);
    CHECK(again->id == first->id);
    CHECK(f.load(first->id).requester == "costbot");
  }
  SECTION("a rule with scopes matches only findings of those scopes") {
    auto by_team = finding;
    by_team.id = "F-2";
    by_team.kind = "level_shift";
    by_team.scope_dimension = "team";
    auto opened = f.engine->maybe_request_for_finding(*f.db, by_team, kApprovalsT0);
    REQUIRE(opened);
    CHECK(opened->created);
  }
  SECTION("below the severity, the amount, or of another kind") {
    auto low = finding;
    low.severity = "low";
    CHECK_FALSE(f.engine->maybe_request_for_finding(*f.db, low, kApprovalsT0));
    auto cheap = finding;
    cheap.amount = 50;
    CHECK_FALSE(f.engine->maybe_request_for_finding(*f.db, cheap, kApprovalsT0));
    auto other = finding;
    other.kind = "spike";
    CHECK_FALSE(f.engine->maybe_request_for_finding(*f.db, other, kApprovalsT0));
    auto by_service = finding;  // level shifts ask only at team scope
    by_service.kind = "level_shift";
    by_service.scope_dimension = "service";
    CHECK_FALSE(f.engine->maybe_request_for_finding(*f.db, by_service, kApprovalsT0));
    CHECK(count_rows(*f.db, "SELECT COUNT(*) FROM approval_requests") == 0);
  }
}

TEST_CASE("a bad request is refused with a reason and stores nothing", "[approvals]") {
  ApprovalsFixture f;
  approvals::RequestFacts facts;
  facts.title = "x";
  facts.requester = "U_REQ";
  facts.team = "payment";
  facts.amount = 10;
  CHECK_THROWS_WITH(f.engine->create_request(*f.db, facts, kApprovalsT0), Catch::Contains("did you mean \"payments\""));
  facts.team = "payments";
  facts.amount = -1;
  CHECK_THROWS_WITH(f.engine->create_request(*f.db, facts, kApprovalsT0), Catch::Contains("non-negative"));
  facts.amount = 10;
  facts.severity = "urgent";
  CHECK_THROWS_WITH(f.engine->create_request(*f.db, facts, kApprovalsT0), Catch::Contains("valid: info, low"));
  facts.severity = "";
  facts.facts["chart_url"] = "javascript:alert(1)";
  CHECK_THROWS_WITH(f.engine->create_request(*f.db, facts, kApprovalsT0), Catch::Contains("http(s) URL"));
  facts.facts.clear();
  facts.finding_id = "F-1";
  f.engine->create_request(*f.db, facts, kApprovalsT0);
  CHECK_THROWS_WITH(f.engine->create_request(*f.db, facts, kApprovalsT0), Catch::Contains("already has approval request #1"));
  CHECK(count_rows(*f.db, "SELECT COUNT(*) FROM approval_requests") == 1);
  CHECK(f.decide(999, "U_LEAD", Verdict::approve).outcome == Outcome::not_found);
}
