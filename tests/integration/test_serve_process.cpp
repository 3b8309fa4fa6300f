#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/resource.h>

#include <SQLiteCpp/Database.h>

#include <boost/json.hpp>
#include <map>
#include <regex>
#include <sstream>

#include "tests/support/approvals_support.hpp"
#include "tests/support/fake_slack.hpp"
#include "tests/support/http_test_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/slack_signing.hpp"
#include "tests/support/test_support.hpp"

using namespace costbot;

TEST_CASE("costbot serve runs with no Slack configured and stops cleanly on SIGTERM", "[serve]") {
  testing::TempDir dir;
  testing::ChildProcess serve({testing::costbot_binary(), "--db", dir.file("serve.db"), "serve", "--listen", "127.0.0.1:0"},
                              {"SLACK_SIGNING_SECRET=", "SLACK_BOT_TOKEN="}, dir.file("serve.log"));
  REQUIRE(serve.wait_for_output("listening on"));
  auto port = testing::port_from_log(serve.output());
  REQUIRE(port != 0);
  CHECK(testing::http_request("127.0.0.1", port, "GET", "/healthz").status == 200);
  CHECK(testing::http_request("127.0.0.1", port, "GET", "/readyz").status == 200);
  auto slack = testing::http_request("127.0.0.1", port, "POST", "/slack/commands", {}, "text=help");
  CHECK(slack.status == 503);
  CHECK(slack.body.find("not configured") != std::string::npos);
  // An idle keep-alive connection must not hold the shutdown up.
  testing::TestConnection idle("127.0.0.1", port);
  CHECK(idle.request("GET", "/healthz").status == 200);

  serve.signal(SIGTERM);
  auto code = serve.wait(std::chrono::seconds(10));
  REQUIRE(code);
  CHECK(*code == 0);
  CHECK(serve.output().find("received SIGTERM") != std::string::npos);
  CHECK(serve.output().find("stopped; outbox") != std::string::npos);
  CHECK(idle.closed_by_server_within(std::chrono::milliseconds(100)));
}

TEST_CASE("costbot serve takes Slack settings from the environment and never logs the secrets", "[serve][slack]") {
  testing::TempDir dir;
  testing::FakeSlack slack("xoxb-env-token-1234");
  const std::string secret = "env-signing-secret-5678";
  testing::ChildProcess serve({testing::costbot_binary(), "--db", dir.file("serve.db"), "--log-level", "debug", "serve",
                               "--listen", "127.0.0.1:0"},
                              {"SLACK_SIGNING_SECRET=" + secret, "SLACK_BOT_TOKEN=xoxb-env-token-1234",
                               "SLACK_API_URL=" + slack.api_url()},
                              dir.file("serve.log"));
  REQUIRE(serve.wait_for_output("listening on"));
  auto port = testing::port_from_log(serve.output());

  auto body = testing::slash_command_body("subscribe finops_analyst");
  auto now = static_cast<std::int64_t>(std::time(nullptr));
  auto r = testing::http_request("127.0.0.1", port, "POST", "/slack/commands", testing::slack_headers(secret, now, body), body);
  CHECK(r.status == 200);
  CHECK(r.body.find("finops_analyst") != std::string::npos);
  CHECK(testing::http_request("127.0.0.1", port, "POST", "/slack/commands",
                              testing::slack_headers("wrong", now, body), body).status == 401);

  // A mention is answered through the Web API fake with the bot token from the environment.
  std::string event = R"({"type":"event_callback","event_id":"EvSERVE1","team_id":"T1","event":{"type":"app_mention","user":"U1","text":"<@U0BOT> help","ts":"1.5","channel":"C1"}})";
  CHECK(testing::http_request("127.0.0.1", port, "POST", "/slack/events",
                              testing::slack_headers(secret, now, event, "application/json"), event).status == 200);
  REQUIRE(slack.wait_for_calls("chat.postMessage", 1));
  CHECK(slack.violations().empty());

  serve.signal(SIGINT);
  REQUIRE(serve.wait(std::chrono::seconds(10)) == 0);
  auto log = serve.output();
  CHECK(log.find(secret) == std::string::npos);
  CHECK(log.find("xoxb-env-token-1234") == std::string::npos);
}

TEST_CASE("costbot serve runs the scheduler, costbot jobs shows the runs, SIGTERM stops it", "[serve][scheduler]") {
  testing::TempDir dir;
  auto config = dir.write("costbot.yaml", "ingest:\n  sources:\n    - name: sample\n      type: focus\n      paths: [\"" +
                                              testing::source_path("tests/fixtures/focus/focus_sample.csv") +
                                              "\"]\nschedules:\n  ingest:\n    on_start: true\n");
  std::vector<std::string> base{testing::costbot_binary(), "--config", config, "--db", dir.file("serve.db")};
  auto args = base;
  for (auto a : {"serve", "--listen", "127.0.0.1:0"}) args.push_back(a);
  testing::ChildProcess serve(args, {"SLACK_SIGNING_SECRET=", "SLACK_BOT_TOKEN=", "COSTBOT_API_TOKENS="}, dir.file("serve.log"));
  REQUIRE(serve.wait_for_output("listening on"));
  CHECK(serve.wait_for_output("job ingest: */30 * * * *"));
  CHECK(serve.wait_for_output("job detect: after ingest"));
  REQUIRE(serve.wait_for_output("job detect (after:ingest) succeeded", std::chrono::seconds(60)));

  auto jobs = testing::run_costbot({"--config", config, "--db", dir.file("serve.db"), "jobs", "--format", "json"});
  REQUIRE(jobs.exit_code == 0);
  auto runs = boost::json::parse(jobs.out).as_array();
  std::map<std::string, std::string> trigger_of;
  for (const auto& r : runs) trigger_of[std::string(r.at("job").as_string())] = std::string(r.at("trigger").as_string());
  CHECK(trigger_of["ingest"] == "start");
  CHECK(trigger_of["detect"] == "after:ingest");

  serve.signal(SIGTERM);
  REQUIRE(serve.wait(std::chrono::seconds(20)) == 0);
  auto log = serve.output();
  auto stopping = log.find("stopping scheduler"), stopped = log.find("scheduler stopped"),
       server = log.find("finishing requests in flight");
  REQUIRE(stopping != std::string::npos);
  REQUIRE(stopped != std::string::npos);
  CHECK(stopping < stopped);
  CHECK(stopped < server);  // the jobs end before the server stops taking requests
}

TEST_CASE("costbot serve writes JSON log lines with request ids and never a configured secret", "[serve][secrets]") {
  testing::TempDir dir;
  testing::FakeSlack slack("xoxb-bot-token-secret-4711");
  // Every secret the service reads from its environment, each a distinct value to look for.
  const std::vector<std::pair<std::string, std::string>> secrets{
      {"SLACK_SIGNING_SECRET", "slack-signing-secret-0815"},
      {"SLACK_BOT_TOKEN", "xoxb-bot-token-secret-4711"},
      {"TEAMS_APP_PASSWORD", "teams-app-password-secret-2718"},
      {"TEAMS_OUTGOING_WEBHOOK_SECRET", "dGVhbXMtd2ViaG9vay1zZWNyZXQtMzE0MTU5"},
      {"JIRA_API_TOKEN", "jira-api-token-secret-1618"},
      {"JIRA_WEBHOOK_SECRET", "jira-webhook-secret-1414"},
      {"PAGERDUTY_ROUTING_KEY", "pagerdutyroutingkeysecret1732"},
      {"SMTP_PASSWORD", "smtp-password-secret-9265"},
      {"COSTBOT_API_TOKENS", "ci:api-token-secret-0123456789"},
  };
  const std::string api_token = "api-token-secret-0123456789";
  std::vector<std::string> env{"SLACK_API_URL=" + slack.api_url(),
                               "TEAMS_APP_ID=00000000-0000-0000-0000-00000000c057",
                               "TEAMS_OPENID_METADATA_URL=http://127.0.0.1:9/openid",
                               "TEAMS_TOKEN_URL=http://127.0.0.1:9/token",
                               "JIRA_BASE_URL=http://127.0.0.1:9",
                               "JIRA_EMAIL=costbot@example.com",
                               "PAGERDUTY_EVENTS_URL=http://127.0.0.1:9/v2/enqueue"};
  for (const auto& [name, value] : secrets) env.push_back(name + "=" + value);
  testing::ChildProcess serve({testing::costbot_binary(), "--db", dir.file("serve.db"), "--log-format", "json", "--log-level",
                               "debug", "serve", "--listen", "127.0.0.1:0"},
                              env, dir.file("serve.log"));
  REQUIRE(serve.wait_for_output("listening on"));
  auto port = testing::port_from_log(serve.output());
  REQUIRE(port != 0);
  auto request = [&](const std::string& method, const std::string& target, const testing::Headers& headers = {},
                     const std::string& body = "") { return testing::http_request("127.0.0.1", port, method, target, headers, body); };

  auto traced = request("GET", "/healthz", {{"X-Request-Id", "trace-check-42"}});
  CHECK(traced.header("X-Request-Id") == "trace-check-42");
  // A client that puts secrets where the access log looks: the target, the request id.
  CHECK(request("GET", "/api/v1/findings?token=" + api_token, {{"Authorization", "Bearer " + api_token}}).status == 200);
  CHECK(request("GET", "/healthz", {{"X-Request-Id", "slack-signing-secret-0815"}}).status == 200);
  CHECK(request("GET", "/api/v1/findings", {{"Authorization", "Bearer slack-signing-secret-0815"}}).status == 401);
  CHECK(request("GET", "/api/v1/findings", {{"Authorization", "Bearer " + api_token + "x"}}).status == 401);
  // Slack with bad signatures (one made with the bot token), then a good one.
  auto body = testing::slash_command_body("top 3 last 7d");
  auto now = static_cast<std::int64_t>(std::time(nullptr));
  CHECK(request("POST", "/slack/commands", testing::slack_headers("xoxb-bot-token-secret-4711", now, body), body).status == 401);
  CHECK(request("POST", "/slack/commands", testing::slack_headers("slack-signing-secret-0815", now - 3600, body), body).status == 401);
  CHECK(request("POST", "/slack/commands", testing::slack_headers("slack-signing-secret-0815", now, body), body).status == 200);
  // The web channel with a forged token and no session; Teams and Jira webhooks with bad credentials.
  CHECK(request("POST", "/web/actions", {{"Content-Type", "application/json"}, {"X-CSRF-Token", api_token}},
                R"({"verb":"approve","subject":"approval:1:0","actor":"U1"})").status == 401);
  for (const char* path : {"/teams/messages", "/teams/webhook", "/jira/webhook"}) {
    auto r = request("POST", path, {{"Authorization", "Bearer jira-api-token-secret-1618"}, {"Content-Type", "application/json"}}, "{}");
    CHECK(r.status >= 400);  // refused (or not part of this build); what matters is what the log shows
  }
  CHECK(request("GET", "/metrics").status == 200);
  CHECK(request("GET", "/").status == 200);

  serve.signal(SIGTERM);
  REQUIRE(serve.wait(std::chrono::seconds(20)) == 0);
  const auto log = serve.output();
  for (const auto& [name, value] : secrets) {
    INFO(name);
    CHECK(log.find(value) == std::string::npos);
    auto colon = value.find(':');  // COSTBOT_API_TOKENS: the token after its name
    if (colon != std::string::npos) CHECK(log.find(value.substr(colon + 1)) == std::string::npos);
  }
  CHECK_THAT(log, Catch::Contains("[redacted]"));  // the token in the target was logged, redacted

  // Every line is a JSON object; every access line carries the request id the client got.
  std::size_t lines = 0, access = 0;
  bool traced_line = false;
  std::istringstream in(log);
  std::size_t banner = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    // The web channel's sign-in link is printed for the operator on standard output (indented
    // text, never a log line).
    if (line.starts_with("    ")) {
      ++banner;
      continue;
    }
    ++lines;
    boost::json::value v;
    REQUIRE_NOTHROW(v = boost::json::parse(line));
    const auto& o = v.as_object();
    CHECK(o.contains("ts"));
    CHECK(o.contains("level"));
    const std::string msg(o.at("msg").as_string());
    if (std::regex_search(msg, std::regex(R"(^(GET|POST) /\S* \d{3} \d+B )"))) {
      ++access;
      CHECK(o.contains("request_id"));
      if (msg.starts_with("GET /healthz 200") && o.contains("request_id") && o.at("request_id").as_string() == "trace-check-42")
        traced_line = true;
    }
  }
  CHECK(lines > 20);
  CHECK(access >= 12);
  CHECK(traced_line);
  CHECK(banner == 3);  // two lines of text and the link
  CHECK_THAT(log, Catch::Contains("/auth/local?token="));
}

namespace {

// Sets the file-size limit of another process (prlimit(2)): 0 makes every write() it makes to a
// file fail with EFBIG, the way a disk that stopped taking writes fails them.
void set_file_size_limit(pid_t pid, rlim_t soft) {
  struct rlimit current {};
  REQUIRE(::prlimit(pid, RLIMIT_FSIZE, nullptr, &current) == 0);
  struct rlimit wanted {soft, current.rlim_max};
  REQUIRE(::prlimit(pid, RLIMIT_FSIZE, &wanted, nullptr) == 0);
}

}  // namespace

// Issue 15, finding 11: the disk under a serving process stops taking writes (a filesystem
// remounted read-only after an error, a full disk). Made real by setting the running process's
// file-size limit to 0 from outside: from then on each write() it makes to the database fails in the
// kernel. /readyz says 503 with the reason, a decision is refused with a clear error and nothing of
// it is saved; the process does not die (SIGXFSZ is ignored) and recovers when writes work again.
TEST_CASE("serve whose disk stops taking writes says not ready and refuses a decision, saving nothing",
          "[serve][security][storage]") {
  testing::TempDir dir;
  auto config = dir.write("costbot.yaml", testing::kApprovalsTestConfig);
  auto db = dir.file("serve.db");
  std::vector<std::string> env{"SLACK_SIGNING_SECRET=", "SLACK_BOT_TOKEN=",
                               "COSTBOT_API_TOKENS=lead:disk-test-token-0123456789:actor=U_LEAD"};
  auto opened = testing::run_costbot({"--config", config, "--db", db, "approvals", "request", "--title", "Stop idle instances",
                                      "--team", "payments", "--amount", "400", "--requester", "U_REQ"},
                                     env);
  REQUIRE(opened.exit_code == 0);
  testing::ChildProcess serve({testing::costbot_binary(), "--config", config, "--db", db, "serve", "--listen", "127.0.0.1:0"},
                              env, dir.file("serve.log"));
  REQUIRE(serve.wait_for_output("listening on"));
  auto port = testing::port_from_log(serve.output());
  REQUIRE(port != 0);
  REQUIRE(testing::http_request("127.0.0.1", port, "GET", "/readyz").status == 200);
  const std::vector<std::pair<std::string, std::string>> headers{{"Authorization", "Bearer disk-test-token-0123456789"},
                                                                 {"Content-Type", "application/json"}};
  auto decide = [&] {
    return testing::http_request("127.0.0.1", port, "POST", "/api/v1/approvals/1/decisions", headers,
                                 R"({"verdict":"approve","stage":1})");
  };
  auto count = [&](const std::string& sql) {
    SQLite::Database conn(db, SQLite::OPEN_READONLY);
    return conn.execAndGet(sql).getInt64();
  };

  set_file_size_limit(serve.pid(), 0);
  auto ready = testing::http_request("127.0.0.1", port, "GET", "/readyz");
  CHECK(ready.status == 503);
  CHECK_THAT(ready.body, Catch::Contains("cannot be written"));
  auto refused = decide();
  CHECK(refused.status == 503);
  CHECK_THAT(refused.body, Catch::Contains("the database cannot be written") && Catch::Contains("nothing was saved"));
  CHECK(serve.running());

  set_file_size_limit(serve.pid(), RLIM_INFINITY);
  // Nothing of the refused decision was written: the request is open at its first stage, with no
  // decision and no decision in the audit log.
  CHECK(count("SELECT COUNT(*) FROM approval_requests WHERE id = 1 AND status = 'open' AND current_stage = 0") == 1);
  CHECK(count("SELECT COUNT(*) FROM approval_decisions") == 0);
  CHECK(count("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'decision.%'") == 0);
  // Writes work again: ready, and the same decision goes through.
  CHECK(testing::http_request("127.0.0.1", port, "GET", "/readyz").status == 200);
  auto decided = decide();
  CHECK(decided.status == 200);
  CHECK(count("SELECT COUNT(*) FROM approval_decisions") == 1);
  CHECK(count("SELECT COUNT(*) FROM audit_log WHERE action = 'decision.approve' AND subject = 'approval:1'") == 1);
  serve.signal(SIGTERM);
  CHECK(serve.wait(std::chrono::seconds(10)) == 0);
  // (The log file is on the refusing disk too: its lines from that time are lost, as they would be.)
  auto verify = testing::run_costbot({"--config", config, "--db", db, "audit", "verify"}, env);
  CHECK(verify.exit_code == 0);
}
