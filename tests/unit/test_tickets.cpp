// Tickets beyond the approval state machine: the local ticket outbox, the detection effects of
// approvals and tickets, tickets following their incidents, and the jira: config section.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "engine/detect/finding_store.hpp"
#include "engine/tickets/detection_effects.hpp"
#include "engine/tickets/finding_requests.hpp"
#include "engine/tickets/incident_sync.hpp"
#include "engine/tickets/local_tickets.hpp"
#include "tests/support/approvals_support.hpp"
#include "tests/support/config_issues.hpp"
#include "tests/support/finding_seed.hpp"
#include "engine/util/strings.hpp"

using namespace costbot;
using approvals::Verdict;
using testing::ApprovalsFixture;
using testing::kApprovalsT0;
using testing::count_rows;
using testing::outbox_rows;
namespace json = boost::json;

namespace {

json::object ticket_create_body(const std::string& summary) {
  return json::parse(R"({"fields":{"project":{"key":"FIN"},"issuetype":{"name":"Task"},"summary":")" + summary +
                     R"(","labels":["costbot","costbot-req-1"],"priority":{"name":"High"},"description":{"type":"doc","version":1,"content":[]}}})")
      .as_object();
}

json::value ticket_adf(const std::string& text) {
  return json::parse(R"({"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":")" + text +
                     R"("}]}]})");
}

// A request for a detection finding, approved by the lead (workflow small), with ticket `key`.
struct TicketedFinding {
  ApprovalsFixture f;
  detect::Finding finding;
  std::int64_t request = 0;

  explicit TicketedFinding(const std::string& key = "FIN-1") {
    finding = testing::seed_finding(*f.db, {}, kApprovalsT0);
    request = f.request(400, "U_REQ", "F" + std::to_string(finding.id));
    REQUIRE(f.decide(request, "U_LEAD", Verdict::approve, 0).outcome == approvals::Outcome::approved_final);
    REQUIRE(f.engine->record_ticket(*f.db, request, key, "https://x.atlassian.net/browse/" + key, kApprovalsT0 + 10).outcome ==
            approvals::TicketOutcome::recorded);
  }
  tickets::SyncReport sync(UnixSeconds t) {
    return tickets::sync_ticket_incidents(*f.db, f.config, f.engine->templates(), t);
  }
  void exec(const std::string& sql) { f.db->sql().exec(sql); }
};

}  // namespace

TEST_CASE("a local ticket is made once per label and moves like a Jira issue", "[tickets]") {
  ApprovalsFixture f;
  auto& db = *f.db;
  auto request = f.request(400);
  bool created = false;
  auto t = tickets::create_local_ticket(db, "LOCAL", "costbot-req-1", request, ticket_create_body("[costbot] Stop idle"), kApprovalsT0, &created);
  CHECK(created);
  CHECK(t.key == "LOCAL-1");
  CHECK(t.project == "FIN");
  CHECK(t.issue_type == "Task");
  CHECK(t.priority == "High");
  CHECK(t.labels == std::vector<std::string>{"costbot", "costbot-req-1"});
  CHECK(t.status == "To Do");
  CHECK(t.status_category == "new");
  CHECK(t.fields.at("description").at("type") == "doc");

  // A retry after a crash finds the same ticket.
  auto again = tickets::create_local_ticket(db, "LOCAL", "costbot-req-1", request, ticket_create_body("other"), kApprovalsT0 + 5, &created);
  CHECK_FALSE(created);
  CHECK(again.key == "LOCAL-1");
  CHECK(count_rows(db, "SELECT COUNT(*) FROM local_tickets") == 1);
  auto second = tickets::create_local_ticket(db, "LOCAL", "costbot-req-2", 0, ticket_create_body("second"), kApprovalsT0, &created);
  CHECK(second.key == "LOCAL-2");

  CHECK(tickets::comment_local_ticket(db, "LOCAL-1", ticket_adf("Incident changed"), "ref-1", kApprovalsT0 + 60));
  CHECK_FALSE(tickets::comment_local_ticket(db, "LOCAL-1", ticket_adf("Incident changed"), "ref-1", kApprovalsT0 + 61));
  CHECK(tickets::transition_local_ticket(db, "LOCAL-1", "Done", "done", "ref-2", kApprovalsT0 + 120));
  CHECK_FALSE(tickets::transition_local_ticket(db, "LOCAL-1", "Done", "done", "ref-2", kApprovalsT0 + 121));
  auto moved = tickets::find_local_ticket(db, "LOCAL-1");
  REQUIRE(moved);
  CHECK(moved->status == "Done");
  CHECK(moved->status_category == "done");
  REQUIRE(moved->events.size() == 2);
  CHECK(moved->events[0].kind == "comment");
  CHECK(moved->events[1].body == "To Do -> Done");
  CHECK(tickets::list_local_tickets(db).size() == 2);
  auto open = tickets::list_local_tickets(db, true);
  REQUIRE(open.size() == 1);
  CHECK(open[0].key == "LOCAL-2");

  CHECK_THROWS_WITH(tickets::comment_local_ticket(db, "LOCAL-9", ticket_adf("x"), "r", kApprovalsT0), Catch::Contains("no local ticket LOCAL-9"));
  CHECK_THROWS_WITH(tickets::transition_local_ticket(db, "LOCAL-1", "Done", "finished", "r3", kApprovalsT0), Catch::Contains("new, indeterminate or done"));
  CHECK_THROWS_WITH(tickets::create_local_ticket(db, "LOCAL", "costbot-req-3", 0, json::object{}, kApprovalsT0), Catch::Contains("no summary"));
}

TEST_CASE("a rejected request dismisses its finding once, but an SLA auto-reject or a free-text id does not", "[tickets][detect]") {
  ApprovalsFixture f;
  auto& db = *f.db;
  auto finding = testing::seed_finding(db, {}, kApprovalsT0);
  json::object payload{{"finding_id", "F" + std::to_string(finding.id)},
                       {"request_id", 1},
                       {"verdict", "rejected"},
                       {"reason", "batch job runs until Friday"},
                       {"actor", "U_LEAD"},
                       {"automatic", false}};
  auto result = tickets::apply_rejection_feedback(db, f.config, payload, kApprovalsT0);
  CHECK(result.contains("feedback_id"));
  CHECK(count_rows(db, "SELECT COUNT(*) FROM feedback WHERE kind = 'rejected' AND reason = 'batch job runs until Friday'") == 1);
  CHECK(detect::FindingStore(db).finding(finding.id)->status == "dismissed");
  // Delivered again (a crash before the outbox row completed): nothing twice.
  CHECK(tickets::apply_rejection_feedback(db, f.config, payload, kApprovalsT0 + 1).contains("unchanged"));
  CHECK(count_rows(db, "SELECT COUNT(*) FROM feedback") == 1);

  payload["automatic"] = true;
  payload["reason"] = "SLA";
  CHECK(tickets::apply_rejection_feedback(db, f.config, payload, kApprovalsT0).contains("skipped"));
  payload["automatic"] = false;
  payload["finding_id"] = "demo-spike";
  CHECK(tickets::apply_rejection_feedback(db, f.config, payload, kApprovalsT0).contains("skipped"));
  payload["finding_id"] = "F999";
  CHECK(tickets::apply_rejection_feedback(db, f.config, payload, kApprovalsT0).contains("skipped"));
  CHECK(count_rows(db, "SELECT COUNT(*) FROM feedback") == 1);
  CHECK(tickets::detection_finding_id("F42") == 42);
  CHECK(tickets::detection_finding_id("42") == 42);
  CHECK_FALSE(tickets::detection_finding_id("F-2024-0517"));
}

TEST_CASE("a ticket moving to done resolves its incident, and won't do records accepted cost", "[tickets][detect]") {
  ApprovalsFixture f;
  auto& db = *f.db;
  auto finding = testing::seed_finding(db, {}, kApprovalsT0);
  REQUIRE(finding.incident_id > 0);
  json::object payload{{"finding_id", "F" + std::to_string(finding.id)}, {"request_id", 1}, {"ticket_key", "FIN-1"}};

  SECTION("done") {
    payload["ticket_status"] = "Done";
    payload["outcome"] = "done";
    auto result = tickets::apply_ticket_outcome(db, f.config, payload, kApprovalsT0 + 100);
    CHECK(result.at("resolved_incident").as_string() == "I" + std::to_string(finding.incident_id));
    auto incident = detect::FindingStore(db).incident(finding.incident_id);
    CHECK(incident->status == "resolved");
    CHECK(incident->resolution == "ticket FIN-1 done (Done)");
    CHECK(detect::FindingStore(db).finding(finding.id)->status == "resolved");
    CHECK(tickets::apply_ticket_outcome(db, f.config, payload, kApprovalsT0 + 200).contains("unchanged"));
  }
  SECTION("won't do") {
    payload["ticket_status"] = "Won't Do";
    payload["outcome"] = "wont_do";
    CHECK(tickets::apply_ticket_outcome(db, f.config, payload, kApprovalsT0 + 100).contains("feedback_id"));
    CHECK(count_rows(db, "SELECT COUNT(*) FROM feedback WHERE kind = 'rejected' AND actor = 'jira' AND "
                         "reason = 'ticket FIN-1 closed as Won''t Do'") == 1);
    CHECK(tickets::apply_ticket_outcome(db, f.config, payload, kApprovalsT0 + 200).contains("unchanged"));
    CHECK(count_rows(db, "SELECT COUNT(*) FROM feedback") == 1);
  }
  SECTION("reopened") {
    payload["ticket_status"] = "In Progress";
    payload["outcome"] = "open";
    CHECK(tickets::apply_ticket_outcome(db, f.config, payload, kApprovalsT0 + 100).contains("unchanged"));
    CHECK(detect::FindingStore(db).incident(finding.incident_id)->status == "open");
  }
}

TEST_CASE("a ticket follows its incident: a comment per change, done when it resolves, nothing twice", "[tickets]") {
  TicketedFinding t;
  auto& db = *t.f.db;
  const auto incident = std::to_string(t.finding.incident_id);

  auto first = t.sync(kApprovalsT0 + 100);  // the state the ticket was opened with: nothing to say
  CHECK(first.tickets == 1);
  CHECK(first.comments == 0);
  CHECK(outbox_rows(db, "ticket.comment").empty());

  t.exec("UPDATE incidents SET severity = 'critical', finding_count = 3, last_day = '2024-09-18' WHERE id = " + incident);
  auto changed = t.sync(kApprovalsT0 + 200);
  CHECK(changed.comments == 1);
  CHECK(changed.transitions == 0);
  auto comments = outbox_rows(db, "ticket.comment");
  REQUIRE(comments.size() == 1);
  CHECK(comments[0].payload.at("ticket_key") == "FIN-1");
  auto text = json::serialize(comments[0].payload.at("body"));
  CHECK_THAT(text, Catch::Contains("Severity: ") && Catch::Contains("high \u2192 critical"));
  CHECK_THAT(text, Catch::Contains("critical") && Catch::Contains("Findings") && Catch::Contains("2024-09-18"));
  CHECK(comments[0].payload.at("body").at("type") == "doc");
  CHECK(t.sync(kApprovalsT0 + 300).comments == 0);  // unchanged since

  SECTION("resolved: a comment and a move to done") {
    t.exec("UPDATE incidents SET status = 'resolved', resolution = 'back to normal for 2 days' WHERE id = " + incident);
    auto resolved = t.sync(kApprovalsT0 + 400);
    CHECK(resolved.comments == 1);
    CHECK(resolved.transitions == 1);
    auto moves = outbox_rows(db, "ticket.transition");
    REQUIRE(moves.size() == 1);
    CHECK(moves[0].payload.at("ticket_key") == "FIN-1");
    CHECK(moves[0].payload.at("transition") == "Done");
    CHECK_THAT(json::serialize(outbox_rows(db, "ticket.comment").back().payload.at("body")),
               Catch::Contains("back to normal for 2 days") && Catch::Contains("moves this ticket to Done"));
    auto again = t.sync(kApprovalsT0 + 500);
    CHECK(again.comments + again.transitions == 0);
  }
  SECTION("resolved by the ticket itself: no comment back, no move") {
    t.f.engine->ticket_status_changed(db, "FIN-1", "Done", "done", kApprovalsT0 + 350);
    t.exec("UPDATE incidents SET status = 'resolved', resolution = 'ticket FIN-1 done (Done)' WHERE id = " + incident);
    auto resolved = t.sync(kApprovalsT0 + 400);
    CHECK(resolved.comments == 0);
    CHECK(resolved.transitions == 0);
  }
  SECTION("dismissed: told, not moved") {
    t.exec("UPDATE incidents SET status = 'dismissed' WHERE id = " + incident);
    auto dismissed = t.sync(kApprovalsT0 + 400);
    CHECK(dismissed.comments == 1);
    CHECK(dismissed.transitions == 0);
  }
  SECTION("configured off") {
    t.f.config.jira.comment_on_incident_change = false;
    t.f.config.jira.transition_on_resolve = false;
    t.exec("UPDATE incidents SET status = 'resolved' WHERE id = " + incident);
    auto quiet = t.sync(kApprovalsT0 + 400);
    CHECK(quiet.comments + quiet.transitions == 0);
  }
}

TEST_CASE("ticket comments are rendered as ADF for the validator", "[tickets][render]") {
  // COSTBOT_RENDER_DIR is set by the validator's setup step (tests/scripts/approvals_messages.cmake).
  testing::TempDir scratch;
  const char* env = std::getenv("COSTBOT_RENDER_DIR");
  std::filesystem::path out = (env && *env ? std::filesystem::path(env) : scratch.path()) / "jira";
  std::filesystem::create_directories(out);
  TicketedFinding t;
  const auto incident = std::to_string(t.finding.incident_id);
  t.sync(kApprovalsT0 + 100);
  // Awkward text: quotes, markup, non-ASCII.
  t.exec("UPDATE incidents SET severity = 'critical', finding_count = 2, peak_impact_per_day = 912.4, "
         "title = 'Idle \"m6i\" <fleet> & co — Zürich' WHERE id = " + incident);
  t.sync(kApprovalsT0 + 200);
  t.exec("UPDATE incidents SET status = 'resolved', resolution = 'back to \"normal\" <2 days>' WHERE id = " + incident);
  t.sync(kApprovalsT0 + 300);
  int n = 0;
  for (const auto& row : outbox_rows(*t.f.db, "ticket.comment")) {
    // What Jira's comment endpoint receives: {"body": ADF}.
    std::ofstream(out / ("ticket-comment-" + std::to_string(++n) + ".json")) << json::serialize(json::object{{"body", row.payload.at("body")}});
    CHECK_THAT(json::serialize(row.payload.at("body")), Catch::Contains("Incident"));
  }
  CHECK(n == 2);
}

TEST_CASE("the jira section reads the connection from config or environment and names what is wrong", "[tickets][config]") {
  config::Config c;
  ::setenv("COSTBOT_TEST_JIRA_TOKEN", "token-from-env", 1);
  REQUIRE(config::check_text(R"(
jira:
  base_url: https://example.atlassian.net/
  email: bot@example.com
  api_token: {env: COSTBOT_TEST_JIRA_TOKEN}
  webhook_auth: signature
  done_transition: Close
  search_settle: 2m
)", &c).empty());
  ::unsetenv("COSTBOT_TEST_JIRA_TOKEN");
  CHECK(c.jira.base_url == "https://example.atlassian.net");
  CHECK(c.jira.enabled());
  CHECK(c.jira.api_token.reveal() == "token-from-env");
  CHECK(c.jira.webhook_auth == "signature");
  CHECK(c.jira.done_transition == "Close");
  CHECK(c.jira.search_settle == 120);

  ::setenv("JIRA_BASE_URL", "https://env.atlassian.net", 1);
  ::setenv("JIRA_EMAIL", "env@example.com", 1);
  ::setenv("JIRA_API_TOKEN", "env-token", 1);
  config::Config e;
  auto env_issues = config::check_text("{}", &e);
  ::unsetenv("JIRA_BASE_URL");
  ::unsetenv("JIRA_EMAIL");
  ::unsetenv("JIRA_API_TOKEN");
  CHECK(env_issues.empty());
  CHECK(e.jira.enabled());
  CHECK(e.jira.base_url == "https://env.atlassian.net");
  CHECK(e.jira.api_token.reveal() == "env-token");

  auto issues = text::join(testing::config_issues(R"(
jira:
  base_url: example.atlassian.net
  email: nobody
  webhook_auth: sometimes
  local_key_prefix: loc
  search_sette: 5s
)"), "\n");
  CHECK_THAT(issues, Catch::Contains("jira.base_url: expected an http(s) URL"));
  CHECK_THAT(issues, Catch::Contains("jira.email: expected the email address"));
  CHECK_THAT(issues, Catch::Contains("jira.api_token: missing: jira.base_url is set"));
  CHECK_THAT(issues, Catch::Contains("jira.webhook_auth"));
  CHECK_THAT(issues, Catch::Contains("jira.local_key_prefix: expected 1-10 capital letters"));
  CHECK_THAT(issues, Catch::Contains("jira.search_sette") && Catch::Contains("search_settle"));
}

TEST_CASE("open findings matching approvals.triggers open one request each", "[tickets][approvals]") {
  ApprovalsFixture f;  // triggers: idle_* of at least medium severity and $100
  auto& db = *f.db;
  auto idle = testing::seed_finding(db, {}, kApprovalsT0);
  testing::FindingSeed spike;
  spike.kind = "cost_spike";
  spike.resource = "i-0spike";
  testing::seed_finding(db, spike, kApprovalsT0);
  testing::FindingSeed small;
  small.severity = "low";
  small.resource = "i-0low";
  testing::seed_finding(db, small, kApprovalsT0);

  auto first = tickets::open_requests_for_findings(db, *f.engine, kApprovalsT0 + 60);
  CHECK(first.examined == 3);
  CHECK(first.opened == 1);
  REQUIRE(first.lines.size() == 1);
  CHECK_THAT(first.lines[0], Catch::Contains("F" + std::to_string(idle.id)) && Catch::Contains("workflow mid"));
  auto id = approvals::request_for_finding(db, "F" + std::to_string(idle.id));
  REQUIRE(id);
  auto r = f.load(*id);
  CHECK(r.requester == "costbot");
  CHECK(r.amount == Approx(150 * 30.4));
  CHECK(r.facts.at("resource") == "i-0abc");
  CHECK(r.facts.at("chart_url").as_string() == "https://costbot.example.com/charts/" + std::to_string(idle.id) + ".png");
  auto again = tickets::open_requests_for_findings(db, *f.engine, kApprovalsT0 + 120);
  CHECK(again.opened == 0);
  CHECK(again.examined == 2);
  CHECK(count_rows(db, "SELECT COUNT(*) FROM approval_requests") == 1);
}
