#include <catch2/catch.hpp>

#include <signal.h>

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
