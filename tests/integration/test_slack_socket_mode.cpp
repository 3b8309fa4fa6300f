// Slack Socket Mode against a loopback stand-in for Slack (tests/support/fake_slack_socket.hpp):
// apps.connections.open with the app-level token, a TLS WebSocket, hello, envelopes and their
// acks (with a response payload where Slack takes one), and a fresh connection when Slack asks.
#include <catch2/catch.hpp>

#include <condition_variable>
#include <mutex>

#include "adapters/http/client.hpp"
#include "adapters/slack/socket_mode.hpp"
#include "tests/support/fake_slack_socket.hpp"
#include "tests/support/http_test_client.hpp"
#include "tests/support/service_harness.hpp"
#include "tests/support/test_support.hpp"

using namespace costbot;
namespace json = boost::json;

namespace {

constexpr const char* kAppToken = "xapp-1-A0TEST-1-test";

struct Received {
  std::mutex mutex;
  std::vector<slack::SocketEnvelope> envelopes;
};

slack::SocketModeOptions options_for(const testing::FakeSlackSocket& fake, std::string token = kAppToken) {
  slack::SocketModeOptions o;
  o.app_token = std::move(token);
  o.api_url = fake.api_url();
  o.ca_file = fake.ca_file();
  o.reconnect_min = std::chrono::milliseconds(20);
  o.reconnect_max = std::chrono::milliseconds(200);
  return o;
}

}  // namespace

TEST_CASE("Socket Mode connects with the app token, acks every envelope and reconnects when Slack asks", "[slack][socket_mode]") {
  testing::FakeSlackSocket fake(kAppToken);
  http::ClientOptions http_options;
  http::Client http(http_options);
  Received received;
  slack::SocketModeClient client(http, options_for(fake), [&](const slack::SocketEnvelope& e, slack::SocketAck ack) {
    {
      std::lock_guard lock(received.mutex);
      received.envelopes.push_back(e);
    }
    if (e.type == "slash_commands") {
      auto text = e.payload.as_object().at("text").as_string();
      ack(json::object{{"response_type", "ephemeral"}, {"text", "answer to " + std::string(text)}});
    } else {
      ack(std::nullopt);
    }
  });
  client.start();
  REQUIRE(fake.wait_for_connections(1));

  // A slash command: the ack carries the answer (accepts_response_payload).
  auto command = fake.send_envelope("slash_commands",
                                    json::object{{"command", "/cost"}, {"text", "top 5"}, {"user_id", "U1"}, {"channel_id", "C1"},
                                                 {"response_url", "https://hooks.slack.com/commands/T1/1/x"}},
                                    true);
  auto ack = fake.wait_for_ack(command);
  REQUIRE(ack);
  REQUIRE(ack->payload);
  CHECK(ack->payload->at("text").as_string() == "answer to top 5");
  CHECK(ack->connection == 1);

  // An event: acked without a payload (Slack takes none).
  auto event = fake.send_envelope("events_api",
                                  json::object{{"type", "event_callback"}, {"event_id", "Ev1"},
                                               {"event", {{"type", "app_mention"}, {"text", "<@B1> help"}}}},
                                  false);
  auto event_ack = fake.wait_for_ack(event);
  REQUIRE(event_ack);
  CHECK_FALSE(event_ack->payload);

  // Slack refreshes the connection: the client asks apps.connections.open for a new ticket.
  fake.send_disconnect("refresh_requested");
  REQUIRE(fake.wait_for_connections(2));
  CHECK(fake.tickets_issued() == 2);
  auto after = fake.send_envelope("interactive", json::object{{"type", "block_actions"}}, false);
  auto after_ack = fake.wait_for_ack(after);
  REQUIRE(after_ack);
  CHECK(after_ack->connection == 2);

  client.stop();
  CHECK(fake.problems().empty());
  {
    std::lock_guard lock(received.mutex);
    REQUIRE(received.envelopes.size() == 3);
    CHECK(received.envelopes[0].type == "slash_commands");
    CHECK(received.envelopes[0].accepts_response_payload);
    CHECK(received.envelopes[1].type == "events_api");
    CHECK(received.envelopes[2].type == "interactive");
  }
  auto status = client.status();
  CHECK(status.connections == 2);
  CHECK(status.envelopes == 3);
  CHECK_FALSE(status.connected);
}

TEST_CASE("Socket Mode refuses a bot token and an untrusted certificate with the reason", "[slack][socket_mode]") {
  testing::FakeSlackSocket fake(kAppToken);
  http::Client http;
  SECTION("a bot token cannot open a connection") {
    slack::SocketModeClient client(http, options_for(fake, "xoxb-1-bot"), [](const slack::SocketEnvelope&, slack::SocketAck) {});
    CHECK_THROWS_WITH(client.open_connection_url(), Catch::Contains("not_allowed_token_type"));
  }
  SECTION("the app token opens one") {
    slack::SocketModeClient client(http, options_for(fake), [](const slack::SocketEnvelope&, slack::SocketAck) {});
    CHECK_THAT(client.open_connection_url(), Catch::StartsWith("wss://127.0.0.1:"));
  }
}

TEST_CASE("costbot serve in Socket Mode answers a slash command in the ack and a mention by chat.postMessage",
          "[slack][socket_mode][service]") {
  testing::FakeSlackSocket fake(kAppToken);
  fake.web_api().on("POST", "/api/chat.postMessage",
                    testing::ScriptedResponse::json(200, R"({"ok":true,"channel":"C0SOCKET","ts":"1700000000.000100"})"));
  testing::TempDir dir;
  testing::HarnessOptions o;
  o.database_path = dir.file("socket.db");
  o.slack = false;
  o.ca_file = fake.ca_file();
  o.configure = [&](config::Config& c) {
    c.slack.app_token = config::Secret(kAppToken, "test");
    c.slack.bot_token = config::Secret("xoxb-test-token", "test");
    c.slack.api_url = fake.api_url();
    c.http_client.ca_file = fake.ca_file();
  };
  testing::ServiceHarness harness(o);
  harness.start();
  REQUIRE(fake.wait_for_connections(1));

  // No public URL and no signing secret: the HTTP routes say why they are not used.
  auto http = testing::http_request("127.0.0.1", harness.port(), "POST", "/slack/commands", {}, "text=help");
  CHECK(http.status == 503);
  CHECK_THAT(http.body, Catch::Contains("Socket Mode"));

  auto command = fake.send_envelope("slash_commands",
                                    json::object{{"command", "/cost"}, {"text", "help"}, {"user_id", "U0ALICE"},
                                                 {"user_name", "alice"}, {"channel_id", "C0SOCKET"}, {"team_id", "T0TEST"},
                                                 {"response_url", fake.api_url() + "/response"}},
                                    true);
  auto ack = fake.wait_for_ack(command);
  REQUIRE(ack);
  REQUIRE(ack->payload);
  const auto answer = json::serialize(*ack->payload);
  INFO(answer);
  CHECK_THAT(answer, Catch::Contains("top"));  // the command list
  CHECK(ack->payload->as_object().at("response_type").as_string() == "ephemeral");

  auto mention = fake.send_envelope(
      "events_api",
      json::object{{"type", "event_callback"}, {"event_id", "Ev0SOCKET1"}, {"team_id", "T0TEST"},
                   {"event", {{"type", "app_mention"}, {"user", "U0ALICE"}, {"text", "<@U0BOT> help"},
                              {"channel", "C0SOCKET"}, {"ts", "1700000000.000050"}}}},
      false);
  REQUIRE(fake.wait_for_ack(mention));
  REQUIRE(fake.web_api().wait_for_requests("POST", "/api/chat.postMessage", 1, std::chrono::seconds(10)));
  auto posts = fake.web_api().requests("POST", "/api/chat.postMessage");
  REQUIRE(posts.size() == 1);
  CHECK(posts[0].header("authorization") == "Bearer xoxb-test-token");  // the bot token, not the app token
  CHECK_THAT(posts[0].body, Catch::Contains("C0SOCKET"));
  harness.stop();
  CHECK(fake.problems().empty());
}
