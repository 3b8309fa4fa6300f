// Jira over HTTP, end to end: the ticket opened on final approval survives every way the create
// can fail (500, 429 + Retry-After, a hang past the timeout, an answer lost after Jira created the
// issue, search lagging behind) with exactly one issue; without Jira the local ticket outbox does
// the same; POST /jira/webhook moves the request, every copy and the incident; tickets follow
// their incidents (comments, transition to done).
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <thread>

#include "engine/detect/finding_store.hpp"
#include "engine/tickets/incident_sync.hpp"
#include "engine/tickets/local_tickets.hpp"
#include "tests/support/approvals_service.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/finding_seed.hpp"

using namespace costbot;
namespace json = boost::json;
using testing::eventually;
using Mode = testing::FakeJira::CreateMode;

namespace {

struct JiraHttpFlow : testing::ApprovalsService {
  using ApprovalsService::ApprovalsService;
  ~JiraHttpFlow() {
    harness.reset();
    CHECK(violations().empty());
  }
  // A small request approved by the lead: the ticket.create effect is queued.
  std::int64_t approved_request(const std::string& finding = "") {
    auto id = open_request(400, "U_REQ", finding);
    auto ts = posted_ts(id);
    REQUIRE(click("approve", "approval:" + std::to_string(id) + ":0", "U_LEAD", "lead" + std::to_string(id), ts).status == 200);
    return id;
  }
  std::string create_key(std::int64_t id) { return "approval:" + std::to_string(id) + ":jira.create_issue"; }
  bool ticket_done(std::int64_t id) { return outbox_status(create_key(id)) == std::optional<std::string>("done"); }
  std::int64_t tickets() { return count("SELECT COUNT(*) FROM approval_tickets"); }
};

}  // namespace

TEST_CASE("whatever the Jira create does, exactly one ticket is made and shown", "[jira][http]") {
  SECTION("500, then success") {
    JiraHttpFlow f;
    f.jira.next_create(Mode::fail_500);
    auto id = f.approved_request();
    REQUIRE(f.jira.wait_for_creates(1));
    REQUIRE(f.advance_until([&] { return f.ticket_done(id); }));
    CHECK(f.jira.create_calls() == 2);
    CHECK(f.jira.issues().size() == 1);
    CHECK(f.wait_for_update("FIN-1"));
  }
  SECTION("429 with Retry-After: rescheduled to Jira's time, not before") {
    JiraHttpFlow f;
    f.jira.next_create(Mode::rate_limit, 120);
    auto id = f.approved_request();
    REQUIRE(f.jira.wait_for_creates(1));
    REQUIRE(eventually([&] {
      return f.count("SELECT COUNT(*) FROM outbox WHERE kind = 'ticket.create' AND attempts = 1 AND status = 'pending'") == 1;
    }));
    auto due = f.count("SELECT next_attempt_at FROM outbox WHERE kind = 'ticket.create'");
    CHECK(due == f.clock.now() + 120);
    f.clock.advance(100);
    f.wake();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    CHECK(f.jira.create_calls() == 1);  // still waiting for Jira's time
    REQUIRE(f.advance_until([&] { return f.ticket_done(id); }, 10));
    CHECK(f.jira.create_calls() == 2);
    CHECK(f.jira.issues().size() == 1);
  }
  SECTION("a hang past the timeout, then success") {
    testing::ApprovalsServiceOptions o;
    o.http_request_timeout = std::chrono::milliseconds(300);
    JiraHttpFlow f(o);
    f.jira.next_create(Mode::hang);
    auto id = f.approved_request();
    REQUIRE(f.jira.wait_for_creates(1));
    REQUIRE(f.advance_until([&] { return f.ticket_done(id); }));
    CHECK(f.jira.issues().size() == 1);
    CHECK(f.tickets() == 1);
  }
  SECTION("Jira creates it but the answer is lost: found by its label, never created twice") {
    JiraHttpFlow f;
    f.jira.next_create(Mode::create_then_drop);
    auto id = f.approved_request();
    REQUIRE(f.jira.wait_for_creates(1));
    REQUIRE(f.advance_until([&] { return f.ticket_done(id); }));
    CHECK(f.jira.create_calls() == 1);
    CHECK(f.jira.issues().size() == 1);
    CHECK(f.jira.search_calls() >= 2);
    auto result = json::parse(f.db().sql().execAndGet("SELECT result FROM outbox WHERE kind = 'ticket.create'").getString());
    CHECK(result.at("found_by_label").as_bool());
    CHECK(f.wait_for_update("FIN-1"));
  }
  SECTION("the answer is lost and search lags: wait for it to settle rather than create again") {
    testing::ApprovalsServiceOptions o;
    o.search_settle = 60;
    JiraHttpFlow f(o);
    f.jira.next_create(Mode::create_then_drop);
    f.jira.lag_search(2);  // the first look, and the first retry's, do not see the new issue
    auto id = f.approved_request();
    REQUIRE(f.jira.wait_for_creates(1));
    // The retry inside the settle window searches, finds nothing, and waits instead of creating.
    REQUIRE(f.advance_until([&] { return f.jira.search_calls() >= 2; }, 5));
    REQUIRE(eventually([&] {
      return f.count("SELECT COUNT(*) FROM outbox WHERE kind = 'ticket.create' AND last_error LIKE '%answer was lost%'") == 1;
    }));
    CHECK(f.jira.create_calls() == 1);
    REQUIRE(f.advance_until([&] { return f.ticket_done(id); }, 10));
    CHECK(f.jira.create_calls() == 1);
    CHECK(f.jira.issues().size() == 1);
  }
  SECTION("a permanent refusal fails the effect with Jira's reason and creates nothing") {
    JiraHttpFlow f;
    f.jira.fail_next("POST", "/rest/api/3/issue",
                     testing::ScriptedResponse::json(400, R"({"errorMessages":[],"errors":{"components":"Component name 'Cloud Cost' is not valid"}})"));
    auto id = f.approved_request();
    REQUIRE(eventually([&] { return f.outbox_status(f.create_key(id)) == std::optional<std::string>("failed"); }));
    auto error = f.db().sql().execAndGet("SELECT last_error FROM outbox WHERE kind = 'ticket.create'").getString();
    CHECK_THAT(error, Catch::Contains("Component name 'Cloud Cost' is not valid"));
    CHECK(f.jira.issues().empty());
    CHECK(f.tickets() == 0);
  }
}

TEST_CASE("without Jira the ticket goes to the local ticket outbox and the flow completes", "[jira][http][tickets]") {
  testing::ApprovalsServiceOptions o;
  o.jira = false;
  o.webhook_secret = "";
  JiraHttpFlow f(o);
  auto id = f.approved_request();
  auto shown = f.wait_for_update("LOCAL-1");
  REQUIRE(shown);
  CHECK_THAT(json::serialize(*shown), Catch::Contains("Approved"));
  auto list = tickets::list_local_tickets(f.db());
  REQUIRE(list.size() == 1);
  CHECK(list[0].key == "LOCAL-1");
  CHECK(list[0].request_id == id);
  CHECK(list[0].project == "FIN");
  CHECK(list[0].fields.at("description").at("type") == "doc");
  CHECK(f.jira.server().requests().empty());
  // The webhook is off without a secret: 503 with the reason.
  auto r = f.jira_webhook(testing::jira_issue_webhook("FIN-1", "Done", "done", 1));
  CHECK(r.status == 503);
  CHECK_THAT(r.body, Catch::Contains("JIRA_WEBHOOK_SECRET"));
}

TEST_CASE("POST /jira/webhook moves the ticket on every copy and the incident, and bad input changes nothing",
          "[jira][http][webhook]") {
  JiraHttpFlow f;
  auto finding = testing::seed_finding(f.db(), {}, f.clock.now());
  auto id = f.approved_request("F" + std::to_string(finding.id));
  REQUIRE(eventually([&] { return f.ticket_done(id); }));
  REQUIRE(f.wait_for_update("FIN-1"));
  const auto outbox_before = f.count("SELECT COUNT(*) FROM outbox");
  const auto t = std::int64_t{1726660000000};

  SECTION("refused: bad signature, no credentials, wrong token, malformed") {
    auto body = testing::jira_issue_webhook("FIN-1", "Done", "done", t);
    auto forged = f.jira_webhook(body, std::string("not-the-secret"));
    CHECK(forged.status == 401);
    CHECK_THAT(forged.body, Catch::Contains("signature does not match"));
    CHECK(f.jira_webhook(body, std::nullopt).status == 401);
    CHECK(f.jira_webhook(body, std::nullopt, std::string("guess")).status == 401);
    auto tampered = f.jira_webhook(body, testing::kWebhookSecret);
    CHECK(tampered.status == 200);  // the control: signed right, it works ...
    auto malformed = f.jira_webhook(R"({"webhookEvent":"jira:issue_updated","issue":{"key":"FIN-1","fields":{}}})");
    CHECK(malformed.status == 400);
    CHECK_THAT(malformed.body, Catch::Contains("no \\\"status\\\" object"));
    auto not_json = f.jira_webhook("{\"webhookEvent\":");
    CHECK(not_json.status == 400);
    CHECK_THAT(not_json.body, Catch::Contains("not valid JSON"));
  }
  SECTION("Done: the message shows it and the incident is resolved") {
    auto r = f.jira_webhook(testing::jira_issue_webhook("FIN-1", "Done", "done", t));
    CHECK(r.status == 200);
    auto answer = json::parse(r.body).as_object();
    CHECK(answer.at("outcome") == "status_changed");
    CHECK(answer.at("request_id").as_int64() == id);
    auto shown = f.wait_for_update("FIN-1 (Done)");
    REQUIRE(shown);
    REQUIRE(eventually([&] { return detect::FindingStore(f.db()).incident(finding.incident_id)->status == "resolved"; }));
    CHECK(detect::FindingStore(f.db()).incident(finding.incident_id)->resolution == "ticket FIN-1 done (Done)");
    // Jira retries the same delivery: nothing changes twice; an older one arriving late is ignored.
    auto updates = f.slack.calls("chat.update").size();
    CHECK(json::parse(f.jira_webhook(testing::jira_issue_webhook("FIN-1", "Done", "done", t)).body).at("outcome") == "unchanged");
    auto old = f.jira_webhook(testing::jira_issue_webhook("FIN-1", "In Progress", "indeterminate", t - 5000));
    CHECK(old.status == 200);
    CHECK_THAT(old.body, Catch::Contains("older than the last update"));
    CHECK(f.count("SELECT COUNT(*) FROM approval_tickets WHERE status = 'Done'") == 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    CHECK(f.slack.calls("chat.update").size() == updates);
  }
  SECTION("Won't Do through a token URL: accepted cost, the finding is dismissed") {
    auto r = f.jira_webhook(testing::jira_issue_webhook("FIN-1", "Won't Do", "done", t), std::nullopt,
                            testing::kWebhookSecret);
    CHECK(r.status == 200);
    REQUIRE(f.wait_for_update("Won't Do"));
    REQUIRE(eventually([&] {
      return f.count("SELECT COUNT(*) FROM feedback WHERE kind = 'rejected' AND actor = 'jira'") == 1;
    }));
    CHECK(f.count("SELECT COUNT(*) FROM approval_requests WHERE outcome = 'wont_do'") == 1);
  }
  SECTION("other issues and other events are acknowledged and ignored") {
    auto other = f.jira_webhook(testing::jira_issue_webhook("OPS-9", "Done", "done", t));
    CHECK(other.status == 200);
    CHECK_THAT(other.body, Catch::Contains("not a costbot ticket"));
    auto comment = f.jira_webhook(R"({"webhookEvent":"comment_created","comment":{"id":"1"}})");
    CHECK(comment.status == 200);
    CHECK_THAT(comment.body, Catch::Contains("ignored"));
    CHECK(f.count("SELECT COUNT(*) FROM outbox") == outbox_before);
  }
}

TEST_CASE("a ticket follows its incident: a Jira comment on change, moved to done on resolve", "[jira][http][tickets]") {
  JiraHttpFlow f;
  auto finding = testing::seed_finding(f.db(), {}, f.clock.now());
  auto id = f.approved_request("F" + std::to_string(finding.id));
  REQUIRE(eventually([&] { return f.ticket_done(id); }));
  auto sync = [&] { return tickets::sync_ticket_incidents(f.db(), f.harness->service().config(), f.engine->templates(), f.clock.now()); };
  CHECK(sync().comments == 0);
  const auto incident = std::to_string(finding.incident_id);
  f.db().sql().exec("UPDATE incidents SET severity = 'critical', finding_count = 2 WHERE id = " + incident);
  CHECK(sync().comments == 1);
  f.wake();
  REQUIRE(eventually([&] { return f.jira.issue("FIN-1")->comments.size() == 1; }));
  CHECK_THAT(json::serialize(f.jira.issue("FIN-1")->comments[0]), Catch::Contains("critical"));

  f.db().sql().exec("UPDATE incidents SET status = 'resolved', resolution = 'back to normal for 2 days' WHERE id = " + incident);
  auto resolved = sync();
  CHECK(resolved.transitions == 1);
  f.wake();
  REQUIRE(eventually([&] { return f.jira.issue("FIN-1")->status == "Done"; }));
  CHECK(f.jira.issue("FIN-1")->comments.size() == 2);
  // The request and every copy show it without waiting for Jira's webhook.
  REQUIRE(f.wait_for_update("FIN-1 (Done)"));
  CHECK(f.count("SELECT COUNT(*) FROM approval_requests WHERE outcome = 'done'") == 1);
  auto again = sync();
  CHECK(again.comments + again.transitions == 0);
}
