// `costbot serve` as a real process, killed with SIGKILL at the two worst moments of a ticket's
// life — after the final approval committed but before the ticket was created, and after Jira
// created the issue but before costbot recorded it — then restarted: exactly one issue exists in
// Jira and the Slack message shows it. The audit trail of the whole flow verifies, and a tampered
// row is caught by `costbot audit verify`.
//
// Each run pins its clock (COSTBOT_NOW) ten seconds after the last one, so the outbox lease of the
// delivery the killed process held has expired when the next process starts: no test sleeps
// through a lease.
#include <catch2/catch.hpp>

#include <SQLiteCpp/SQLiteCpp.h>
#include <boost/json.hpp>
#include <signal.h>

#include <fstream>

#include "tests/support/approvals_support.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/fake_jira.hpp"
#include "tests/support/fake_slack.hpp"
#include "tests/support/http_test_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/slack_signing.hpp"
#include "tests/support/test_support.hpp"

using namespace costbot;
namespace json = boost::json;
using testing::eventually;

namespace {

constexpr std::int64_t kCrashT0 = 1726653600;  // 2024-09-18T10:00:00Z
const std::string kSecret = "crash-signing-secret";
const std::string kCrashWebhookToken = "crash-webhook-secret-9f3";

std::string instant(std::int64_t offset) {
  const char* at[] = {"2024-09-18T10:00:00Z", "2024-09-18T10:00:10Z", "2024-09-18T10:00:20Z", "2024-09-18T10:00:30Z"};
  return at[offset / 10];
}

struct Crash {
  testing::TempDir dir;
  testing::FakeSlack slack{"xoxb-crash-token"};
  testing::FakeJira jira;
  std::string config = dir.file("costbot.yaml");
  std::string db = dir.file("costbot.db");
  int runs = 0;

  Crash() {
    std::ofstream(config) << testing::kApprovalsTestConfig << R"(
outbox:
  poll_interval: 1s
  backoff_base: 1s
  lease: 5s
http_client:
  request_timeout: 30s
  max_attempts: 1
)";
    // The approvals test config posts to the team's "#payments"; here the approvals channel.
    std::string text = testing::read_file(config);
    auto at = text.find("  post_to: [web, slack]");
    REQUIRE(at != std::string::npos);
    text.replace(at, std::string("  post_to: [web, slack]").size(), "  post_to: [slack]\n  slack_channel: C0APPR");
    std::ofstream(config, std::ios::trunc) << text;
  }

  std::vector<std::string> env(std::int64_t offset) const {
    return {"COSTBOT_NOW=" + instant(offset), "SLACK_SIGNING_SECRET=" + kSecret, "SLACK_BOT_TOKEN=xoxb-crash-token",
            "SLACK_API_URL=" + slack.api_url(), "JIRA_BASE_URL=" + jira.base_url(), "JIRA_EMAIL=" + jira.email(),
            "JIRA_API_TOKEN=" + jira.api_token(), "JIRA_WEBHOOK_SECRET=" + kCrashWebhookToken};
  }
  std::unique_ptr<testing::ChildProcess> serve(std::int64_t offset) {
    auto p = std::make_unique<testing::ChildProcess>(
        std::vector<std::string>{testing::costbot_binary(), "--config", config, "--db", db, "serve", "--listen", "127.0.0.1:0"},
        env(offset), dir.file("serve-" + std::to_string(++runs) + ".log"));
    REQUIRE(p->wait_for_output("listening on"));
    return p;
  }
  testing::RunResult cli(std::vector<std::string> args, std::int64_t offset = 0) {
    args.insert(args.begin(), {"--config", config, "--db", db});
    return testing::run_costbot(args, env(offset));
  }
  std::int64_t count(const std::string& sql) {
    SQLite::Database conn(db, SQLite::OPEN_READONLY);
    return conn.execAndGet(sql).getInt64();
  }
  void kill(testing::ChildProcess& p) {
    p.signal(SIGKILL);
    REQUIRE(p.wait(std::chrono::seconds(5)) == 128 + SIGKILL);
  }
};

}  // namespace

TEST_CASE("serve killed around the ticket's creation still ends with exactly one ticket, shown on the message",
          "[serve][jira][crash]") {
  Crash c;
  // Run 1: the request is posted; the lead approves; Jira's search hangs — SIGKILL while the
  // ticket is owed: approved, not created.
  c.jira.fail_next("POST", "/rest/api/3/search/jql", [] {
    testing::ScriptedResponse r;
    r.hang = true;
    return r;
  }());
  auto run1 = c.serve(0);
  auto port = testing::port_from_log(run1->output());
  auto opened = c.cli({"approvals", "request", "--title", "Stop idle instances", "--team", "payments", "--amount", "400",
                       "--requester", "U_REQ", "--severity", "high"});
  REQUIRE(opened.exit_code == 0);
  REQUIRE(c.slack.wait_for_calls("chat.postMessage", 1));
  REQUIRE(eventually([&] { return c.count("SELECT COUNT(*) FROM message_copies WHERE subject = 'approval:1' AND state = 'posted'") == 1; }));
  json::object click{
      {"type", "block_actions"},
      {"user", {{"id", "U_LEAD"}, {"name", "lead"}}},
      {"team", {{"id", "T1"}}},
      {"trigger_id", "trig-1"},
      {"response_url", c.slack.response_url("lead")},
      {"container", {{"type", "message"}, {"message_ts", "x"}, {"channel_id", "C0APPR"}}},
      {"actions", json::array{{{"action_id", "costbot.approve:approval:1"}, {"type", "button"}, {"value", "approval:1:0"}}}}};
  auto body = testing::interaction_body(json::serialize(click));
  auto r = testing::http_request("127.0.0.1", port, "POST", "/slack/interactions", testing::slack_headers(kSecret, kCrashT0, body), body);
  REQUIRE(r.status == 200);
  REQUIRE(c.jira.wait_for_searches(1));
  c.kill(*run1);
  CHECK(c.count("SELECT COUNT(*) FROM approval_requests WHERE status = 'approved'") == 1);
  CHECK(c.count("SELECT COUNT(*) FROM approval_tickets") == 0);
  CHECK(c.jira.issues().empty());

  // Run 2: Jira creates the issue, and the answer never arrives — SIGKILL before it is recorded.
  c.jira.next_create(testing::FakeJira::CreateMode::create_then_hang);
  auto run2 = c.serve(10);
  REQUIRE(c.jira.wait_for_creates(1));
  REQUIRE(eventually([&] { return c.jira.issues().size() == 1; }));
  c.kill(*run2);
  CHECK(c.count("SELECT COUNT(*) FROM approval_tickets") == 0);

  // Run 3: the label finds the issue Jira made; nothing is created again; the message shows it.
  auto run3 = c.serve(20);
  REQUIRE(eventually([&] { return c.count("SELECT COUNT(*) FROM approval_tickets WHERE ticket_key = 'FIN-1'") == 1; }));
  REQUIRE(eventually([&] {
    for (const auto& u : c.slack.calls("chat.update"))
      if (json::serialize(u).find("FIN-1") != std::string::npos) return true;
    return false;
  }));
  CHECK(c.jira.issues().size() == 1);
  CHECK(c.jira.create_calls() == 1);
  CHECK(c.count("SELECT COUNT(*) FROM outbox WHERE kind = 'ticket.create' AND status = 'done'") == 1);
  auto result = json::parse(c.cli({"approvals", "show", "1", "--format", "json"}, 20).out).as_object();
  CHECK(result.at("ticket").at("ticket_key") == "FIN-1");
  // Jira says the ticket is done, through a token URL: the message shows it; the token is never logged.
  auto done = testing::jira_issue_webhook("FIN-1", "Done", "done", 1726653620000);
  auto moved = testing::http_request("127.0.0.1", testing::port_from_log(run3->output()), "POST",
                                     "/jira/webhook?token=" + kCrashWebhookToken, {{"Content-Type", "application/json"}}, done);
  CHECK(moved.status == 200);
  CHECK_THAT(moved.body, Catch::Contains("status_changed"));
  REQUIRE(eventually([&] {
    for (const auto& u : c.slack.calls("chat.update"))
      if (json::serialize(u).find("FIN-1 (Done)") != std::string::npos) return true;
    return false;
  }));
  run3->signal(SIGTERM);
  REQUIRE(run3->wait(std::chrono::seconds(10)) == 0);
  CHECK(c.slack.violations().empty());
  CHECK(c.jira.violations().empty());
  CHECK(run3->output().find("jira-test-token") == std::string::npos);
  CHECK(run3->output().find(kSecret) == std::string::npos);
  CHECK(run3->output().find(kCrashWebhookToken) == std::string::npos);
  CHECK(run3->output().find("/jira/webhook?token=[redacted]") != std::string::npos);  // the access log line

  // The trail of it all verifies; an edited row does not.
  auto verified = c.cli({"audit", "verify"}, 30);
  CHECK(verified.exit_code == 0);
  CHECK_THAT(verified.out, Catch::StartsWith("OK: "));
  {
    SQLite::Database conn(c.db, SQLite::OPEN_READWRITE);
    conn.exec("DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;");
    conn.exec("UPDATE audit_log SET actor = 'U_STRANGER' WHERE action = 'decision.approve'");
  }
  auto tampered = c.cli({"audit", "verify"}, 30);
  CHECK(tampered.exit_code == 1);
  CHECK_THAT(tampered.out, Catch::Contains("TAMPERED: row"));
}

// Issue 15, finding 6: a Slack post must never be posted twice. Slack's chat.postMessage has no
// idempotency key; costbot marks the copy "sending" (committed) before the call and tags the post
// with its outbox key in message metadata, so a process that finds the copy "sending" looks the
// post up in the channel's history instead of posting again.
TEST_CASE("serve killed after Slack took a post but before its ts was recorded posts it once and later edits reach that one",
          "[serve][slack][crash]") {
  Crash c;
  c.slack.use_time(kCrashT0);
  c.slack.post_then_lose_answer_next();  // Slack keeps the post; its answer never comes back
  auto run1 = c.serve(0);
  auto opened = c.cli({"approvals", "request", "--title", "Stop idle instances", "--team", "payments", "--amount", "400",
                       "--requester", "U_REQ", "--severity", "high"});
  REQUIRE(opened.exit_code == 0);
  REQUIRE(c.slack.wait_for_calls("chat.postMessage", 1));
  c.kill(*run1);  // kill -9 while the post's answer is outstanding
  CHECK(c.count("SELECT COUNT(*) FROM message_copies WHERE subject = 'approval:1' AND state = 'sending'") == 1);
  auto kept = c.slack.messages_in("C0APPR");
  REQUIRE(kept.size() == 1);
  const std::string ts(kept[0].at("ts").as_string());

  // Run 2 takes the abandoned delivery over: it finds the post in the history and records it.
  auto run2 = c.serve(10);
  REQUIRE(eventually([&] {
    return c.count("SELECT COUNT(*) FROM message_copies WHERE subject = 'approval:1' AND state = 'posted' AND message_id = '" +
                   ts + "'") == 1;
  }));
  CHECK(c.slack.calls("conversations.history").size() >= 1);
  CHECK(c.slack.calls("chat.postMessage").size() == 1);

  // The lead approves: the one copy is edited in place.
  json::object click{
      {"type", "block_actions"},
      {"user", {{"id", "U_LEAD"}, {"name", "lead"}}},
      {"team", {{"id", "T1"}}},
      {"trigger_id", "trig-1"},
      {"response_url", c.slack.response_url("lead")},
      {"container", {{"type", "message"}, {"message_ts", ts}, {"channel_id", "C0APPR"}}},
      {"actions", json::array{{{"action_id", "costbot.approve:approval:1"}, {"type", "button"}, {"value", "approval:1:0"}}}}};
  auto body = testing::interaction_body(json::serialize(click));
  auto port = testing::port_from_log(run2->output());
  REQUIRE(testing::http_request("127.0.0.1", port, "POST", "/slack/interactions", testing::slack_headers(kSecret, kCrashT0 + 10, body),
                                body)
              .status == 200);
  REQUIRE(c.slack.wait_for_calls("chat.update", 1));
  auto update = c.slack.calls("chat.update").front();
  CHECK(update.at("channel") == "C0APPR");
  CHECK(update.at("ts").as_string() == ts);
  CHECK(c.slack.calls("chat.postMessage").size() == 1);
  CHECK(c.slack.messages_in("C0APPR").size() == 1);
  run2->signal(SIGTERM);
  REQUIRE(run2->wait(std::chrono::seconds(10)) == 0);
  CHECK(c.slack.violations().empty());
}
