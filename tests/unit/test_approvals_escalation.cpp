#include <catch2/catch.hpp>

#include "engine/audit/audit.hpp"
#include "tests/support/approvals_support.hpp"
#include "tests/support/messages_support.hpp"

using namespace costbot;
using approvals::Outcome;
using approvals::Verdict;
using testing::ApprovalsFixture;
using testing::kApprovalsT0;
using testing::count_rows;
using testing::outbox_rows;

namespace {
constexpr std::int64_t H = 3600;

std::vector<std::string> audit_actions(storage::Database& db, std::int64_t id) {
  std::vector<std::string> out;
  for (const auto& row : audit::list(db, "approval:" + std::to_string(id))) out.push_back(row.action);
  return out;
}
}  // namespace

TEST_CASE("past its SLA a stage is reminded, then escalated, then auto-rejected, each step once", "[approvals][sla]") {
  ApprovalsFixture f;
  ManualClock clock(kApprovalsT0);
  auto id = f.request(500);  // small: SLA 24h; remind +0h, notify manager +12h, auto_reject +24h
  testing::land(*f.db, "approval:" + std::to_string(id) + ":post:slack:#payments", "C0PAY", "111.222");

  clock.set(kApprovalsT0 + 24 * H - 1);
  auto nothing = f.engine->tick(*f.db, clock.now());
  CHECK(nothing.lines.empty());

  clock.set(kApprovalsT0 + 24 * H);
  auto first = f.engine->tick(*f.db, clock.now());
  CHECK(first.reminders == 1);
  CHECK(first.notifications == 0);
  auto threads = outbox_rows(*f.db, "slack.post");
  REQUIRE(threads.size() == 2);  // the first post and the reminder
  // A reply in the thread of the request's copy in #payments (its ts is added at delivery).
  CHECK(threads[1].payload.at("in_thread").as_bool());
  CHECK(testing::address_of(threads[1]) == messages::Address{"slack", "#payments"});
  CHECK(testing::rendered_text(threads[1]).find("<@U_LEAD>") != std::string::npos);

  // The scheduler ticks every minute: a reminder is never repeated.
  for (int minute = 1; minute <= 30; ++minute) {
    clock.advance(60);
    CHECK(f.engine->tick(*f.db, clock.now()).lines.empty());
  }
  CHECK(outbox_rows(*f.db, "slack.post").size() == 2);

  clock.set(kApprovalsT0 + 36 * H);
  auto second = f.engine->tick(*f.db, clock.now());
  CHECK(second.notifications == 1);
  auto notice = outbox_rows(*f.db, "slack.post").back();
  CHECK(testing::rendered_text(notice).find("<@U_MGR>") != std::string::npos);
  CHECK(f.load(id).status == "open");

  clock.set(kApprovalsT0 + 48 * H);
  auto third = f.engine->tick(*f.db, clock.now());
  CHECK(third.auto_rejected == 1);
  auto r = f.load(id);
  CHECK(r.status == "rejected");
  REQUIRE(r.decisions.size() == 1);
  CHECK(r.decisions[0].actor == "system");
  CHECK(r.decisions[0].source == "escalation");
  CHECK(r.rejection_reason.find("automatically rejected") != std::string::npos);
  CHECK(outbox_rows(*f.db, "slack.update").size() >= 1);

  clock.advance(7 * 24 * H);
  CHECK(f.engine->tick(*f.db, clock.now()).lines.empty());
  CHECK(count_rows(*f.db, "SELECT COUNT(*) FROM approval_escalations") == 3);
  CHECK(audit_actions(*f.db, id) == std::vector<std::string>{"request.created", "escalation.remind", "escalation.notify",
                                                             "escalation.auto_reject", "decision.reject"});
  CHECK(audit::verify(*f.db).ok);
}

TEST_CASE("a tick after a long outage performs every due step in order, once", "[approvals][sla]") {
  ApprovalsFixture f;
  auto id = f.request(500, "U_REQ", "F-5");
  auto report = f.engine->tick(*f.db, kApprovalsT0 + 200 * H);
  CHECK(report.reminders == 1);
  CHECK(report.notifications == 1);
  CHECK(report.auto_rejected == 1);
  CHECK(f.load(id).status == "rejected");
  auto feedback = outbox_rows(*f.db, "detect.feedback");
  REQUIRE(feedback.size() == 1);
  CHECK(feedback[0].payload.at("automatic").as_bool());
  CHECK(f.engine->tick(*f.db, kApprovalsT0 + 201 * H).lines.empty());
}

TEST_CASE("a decision in time means no escalation", "[approvals][sla]") {
  ApprovalsFixture f;
  auto id = f.request(500);
  f.decide(id, "U_LEAD", Verdict::approve, 0, "", kApprovalsT0 + H);
  CHECK(f.engine->tick(*f.db, kApprovalsT0 + 100 * H).lines.empty());
  CHECK(count_rows(*f.db, "SELECT COUNT(*) FROM approval_escalations") == 0);
}

TEST_CASE("an auto-approve step decides the stage through the normal path", "[approvals][sla]") {
  ApprovalsFixture f;
  auto id = f.request(25000);  // big: CFO stage SLA 10h, auto_approve at +48h
  f.decide(id, "U_LEAD", Verdict::approve, 0, "", kApprovalsT0);
  for (const char* who : {"U_F1", "U_F2", "U_F3"}) f.decide(id, who, Verdict::approve, 1, "", kApprovalsT0 + H);
  CHECK(f.engine->tick(*f.db, kApprovalsT0 + H + 57 * H).lines.empty());
  auto report = f.engine->tick(*f.db, kApprovalsT0 + H + 58 * H);
  CHECK(report.auto_approved == 1);
  CHECK(f.load(id).status == "approved");
  CHECK(outbox_rows(*f.db, "ticket.create").size() == 1);
  // The CFO clicking afterwards changes nothing.
  CHECK(f.decide(id, "U_CFO", Verdict::approve, 2, "", kApprovalsT0 + 60 * H).outcome == Outcome::request_closed);
}

TEST_CASE("a reminder names only the approvers who have not decided yet", "[approvals][sla]") {
  ApprovalsFixture f(R"(
approvals:
  post_to: [web]
  roles: {finops: [U_F1, U_F2, U_F3]}
workflows:
  all-finops:
    create_ticket: false
    stages:
      - name: FinOps
        approvers: [role:finops]
        quorum: all
        sla_hours: 2
        escalation:
          - {after_hours: 0, action: remind}
)");
  approvals::RequestFacts facts;
  facts.title = "Buy a savings plan";
  facts.amount = 100;
  facts.requester = "U_REQ";
  auto id = f.engine->create_request(*f.db, facts, kApprovalsT0).id;
  f.decide(id, "U_F2", Verdict::approve, 0, "", kApprovalsT0 + 60);
  auto report = f.engine->tick(*f.db, kApprovalsT0 + 2 * H);
  REQUIRE(report.reminders == 1);
  auto web = outbox_rows(*f.db, "web.post").back();
  auto text = std::string(testing::rendered(web).at("text").as_string());
  CHECK(text.find("U_F1, U_F3") != std::string::npos);
  CHECK(text.find("U_F2") == std::string::npos);
}
