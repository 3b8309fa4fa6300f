#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <utility>

#include "adapters/slack/block_kit.hpp"
#include "bot/actions/buttons.hpp"
#include "engine/auth/authorization.hpp"
#include "engine/messages/copies.hpp"
#include "engine/messages/publish.hpp"
#include "engine/outbox/outbox.hpp"
#include "tests/support/cost_data.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/fake_slack.hpp"
#include "tests/support/service_harness.hpp"
#include "tests/support/test_clock.hpp"
#include "tests/support/test_support.hpp"

using namespace costbot;
namespace json = boost::json;
using testing::TestConnection;

namespace {

struct SlackFixture {
  testing::TempDir dir;
  testing::FakeSlack slack;
  std::unique_ptr<testing::ServiceHarness> harness;

  explicit SlackFixture(std::function<void(testing::HarnessOptions&)> tweak = {}) {
    testing::HarnessOptions options;
    options.database_path = dir.file("slack.db");
    options.slack_api_url = slack.api_url();
    options.bot_token = slack.bot_token();
    options.read_timeout = std::chrono::milliseconds(500);
    // The Slack adapter on its own, with the recording click handler; the approvals engine behind
    // the same routes is tested in test_approvals_http.cpp.
    options.approvals = false;
    if (tweak) tweak(options);
    harness = std::make_unique<testing::ServiceHarness>(options);
    harness->start();
  }
  ~SlackFixture() {
    harness.reset();
    CHECK(slack.violations().empty());
  }
  int count(const std::string& sql) { return harness->db().sql().execAndGet(sql).getInt(); }
  json::object body_of(const testing::TestResponse& r) { return json::parse(r.body).as_object(); }
  std::int64_t now() { return harness->service().clock().now(); }
};

std::string slack_block_action(const std::string& action_id, const std::string& value, const std::string& ts,
                         const std::string& trigger = "trig-1", const std::string& response_url = "") {
  json::object payload{
      {"type", "block_actions"},
      {"user", {{"id", "U0DANA"}, {"username", "dana"}, {"name", "dana"}, {"team_id", "T0001"}}},
      {"team", {{"id", "T0001"}, {"domain", "example"}}},
      {"api_app_id", "A123456"},
      {"trigger_id", trigger},
      {"response_url", response_url},
      {"container", {{"type", "message"}, {"message_ts", ts}, {"channel_id", "C0PAY"}, {"is_ephemeral", false}}},
      {"channel", {{"id", "C0PAY"}, {"name", "payments"}}},
      {"message", {{"ts", ts}, {"text", "Approval needed: stop 14 idle instances"}}},
      {"actions", json::array{{{"action_id", action_id}, {"block_id", "b1"}, {"type", "button"}, {"value", value},
                               {"action_ts", "1700000001.0"}}}}};
  return testing::interaction_body(json::serialize(payload));
}

}  // namespace

TEST_CASE("a signed slash command is answered inside the request from the cost database", "[slack][commands]") {
  SlackFixture f;
  testing::seed_cost_data(f.harness->db(), day_of(f.now()), {10, 30, 5});
  auto r = f.harness->post_slack("/slack/commands", testing::slash_command_body("top 5 last 7d"));
  REQUIRE(r.status == 200);
  CHECK(r.header("Content-Type").starts_with("application/json"));
  auto body = f.body_of(r);
  // Only the asker sees cost figures, with a button to share them.
  CHECK(body.at("response_type") == "ephemeral");
  CHECK(body.at("blocks").at(0).at("text").at("text") == "Top 5 services · last 7 days");
  CHECK(json::serialize(body).find("Share to channel") != std::string::npos);
  CHECK(json::serialize(body).find("Amazon") != std::string::npos);
  // The same command again is served from the cache with the same answer.
  auto again = f.harness->post_slack("/slack/commands", testing::slash_command_body("top 5 last 7d"));
  CHECK(again.body == r.body);
}

TEST_CASE("Slack requests that fail verification get 401 and change nothing", "[slack][verify]") {
  SlackFixture f;
  auto body = testing::slash_command_body("subscribe cfo");
  auto port = f.harness->port();
  auto send = [&](testing::Headers headers) {
    return testing::http_request("127.0.0.1", port, "POST", "/slack/commands", headers, body);
  };
  auto now = f.now();
  auto signed_headers = testing::slack_headers("test-signing-secret", now, body);

  SECTION("wrong secret") {
    auto r = send(testing::slack_headers("another-secret", now, body));
    CHECK(r.status == 401);
    CHECK(r.body.find("signature does not match") != std::string::npos);
  }
  SECTION("stale timestamp, correctly signed") {
    auto r = send(testing::slack_headers("test-signing-secret", now - 301, body));
    CHECK(r.status == 401);
    CHECK(r.body.find("5 minutes") != std::string::npos);
  }
  SECTION("timestamp from the future") {
    CHECK(send(testing::slack_headers("test-signing-secret", now + 400, body)).status == 401);
  }
  SECTION("a captured request replayed with a fresh timestamp") {
    auto replay = signed_headers;
    replay[0].second = std::to_string(now + 5);
    CHECK(send(replay).status == 401);
  }
  SECTION("a captured request replayed after the window") {
    auto old = testing::slack_headers("test-signing-secret", now - 3600, body);
    CHECK(send(old).status == 401);
  }
  SECTION("a tampered body under a valid signature") {
    auto r = testing::http_request("127.0.0.1", port, "POST", "/slack/commands", signed_headers,
                                   testing::slash_command_body("subscribe engineer"));
    CHECK(r.status == 401);
  }
  SECTION("missing headers") {
    auto no_ts = signed_headers;
    no_ts.erase(no_ts.begin());
    CHECK(send(no_ts).body.find("missing X-Slack-Request-Timestamp") != std::string::npos);
    auto no_sig = signed_headers;
    no_sig.erase(no_sig.begin() + 1);
    CHECK(send(no_sig).status == 401);
    CHECK(send({{"Content-Type", "application/x-www-form-urlencoded"}}).status == 401);
  }
  SECTION("every Slack route verifies first") {
    for (const char* path : {"/slack/events", "/slack/interactions"})
      CHECK(testing::http_request("127.0.0.1", port, "POST", path, testing::slack_headers("nope", now, "{}"), "{}").status == 401);
  }
  CHECK(f.count("SELECT COUNT(*) FROM chat_subscriptions") == 0);
  CHECK(f.count("SELECT COUNT(*) FROM outbox") == 0);
  // The control: the same request correctly signed does change something.
  CHECK(send(signed_headers).status == 200);
  CHECK(f.count("SELECT COUNT(*) FROM chat_subscriptions") == 1);
}

TEST_CASE("malformed Slack requests get a 4xx with a reason", "[slack]") {
  SlackFixture f([](testing::HarnessOptions& o) { o.body_limit = 8 << 10; });
  SECTION("a form that is not form-encoded") {
    auto r = f.harness->post_slack("/slack/commands", "text=top 5&user_id=U1&command=/cost");
    CHECK(r.status == 400);
    CHECK(r.body.find("malformed form body") != std::string::npos);
  }
  SECTION("a form missing the command fields") {
    auto r = f.harness->post_slack("/slack/commands", "text=top");
    CHECK(r.status == 400);
    CHECK(r.body.find("\\\"command\\\"") != std::string::npos);
  }
  SECTION("JSON sent to the form endpoint") {
    auto r = f.harness->post_slack("/slack/commands", "{}", "application/json");
    CHECK(r.status == 400);
  }
  SECTION("interaction payload that is not JSON") {
    auto r = f.harness->post_slack("/slack/interactions", "payload=%7B%22type%22%3A");
    CHECK(r.status == 400);
    CHECK(r.body.find("not valid JSON") != std::string::npos);
  }
  SECTION("interaction form without payload") {
    CHECK(f.harness->post_slack("/slack/interactions", "foo=bar").status == 400);
  }
  SECTION("event body that is not JSON") {
    auto r = f.harness->post_slack("/slack/events", "{\"type\":", "application/json");
    CHECK(r.status == 400);
  }
  SECTION("an oversized body is refused with 413 before verification even runs") {
    auto body = testing::slash_command_body(std::string(20000, 'x'));
    auto r = f.harness->post_slack("/slack/commands", body);
    CHECK(r.status == 413);
  }
  SECTION("a slow client is disconnected") {
    TestConnection c("127.0.0.1", f.harness->port());
    c.write_raw("POST /slack/commands HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\ntoken=");
    CHECK(c.closed_by_server_within(std::chrono::seconds(3)));
  }
  CHECK(f.count("SELECT COUNT(*) FROM outbox") == 0);
}

TEST_CASE("unknown or malformed commands get ephemeral help naming the closest command", "[slack][commands]") {
  SlackFixture f;
  auto r = f.harness->post_slack("/slack/commands", testing::slash_command_body("tpo 5 by team"));
  REQUIRE(r.status == 200);
  auto body = f.body_of(r);
  CHECK(body.at("response_type") == "ephemeral");
  CHECK(std::string(body.at("text").as_string()).find("Did you mean `/cost top") != std::string::npos);
  auto bad = f.body_of(f.harness->post_slack("/slack/commands", testing::slash_command_body("top 900")));
  CHECK(std::string(bad.at("text").as_string()).find("between 1 and 50") != std::string::npos);
  auto help = f.body_of(f.harness->post_slack("/slack/commands", testing::slash_command_body("")));
  CHECK(json::serialize(help).find("/cost subscribe PERSONA") != std::string::npos);
}

TEST_CASE("slow work acks at once and follows up through response_url via the outbox", "[slack][commands]") {
  SlackFixture f([](testing::HarnessOptions& o) { o.ack_budget_ms = 0; });
  testing::seed_cost_data(f.harness->db(), day_of(f.now()), {10, 20, 9});
  auto r = f.harness->post_slack("/slack/commands", testing::slash_command_body("top 3 by team 30d", f.slack.response_url("c1")));
  REQUIRE(r.status == 200);
  CHECK(r.body.find("Working on") != std::string::npos);
  REQUIRE(f.slack.wait_for_response_url_posts(1));
  auto follow_up = f.slack.response_url_posts().at(0);
  CHECK(follow_up.at("response_type") == "ephemeral");
  CHECK(follow_up.at("blocks").at(0).at("text").at("text") == "Top 3 teams · last 30 days");
  CHECK(testing::eventually(
      [&] { return f.count("SELECT COUNT(*) FROM outbox WHERE kind = 'slack.reply' AND status = 'done'") == 1; }));
}

TEST_CASE("Events API: url_verification, mentions answered once despite Slack's retries", "[slack][events]") {
  SlackFixture f;
  auto challenge = f.harness->post_slack("/slack/events", R"({"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV","type":"url_verification"})",
                                         "application/json");
  CHECK(challenge.status == 200);
  CHECK(f.body_of(challenge).at("challenge") == "3eZbrw1aBm2rZgRNFdxV");

  std::string event = R"({"token":"x","team_id":"T0001","api_app_id":"A1","type":"event_callback","event_id":"Ev0PV52K21","event_time":1700000000,)"
                      R"("event":{"type":"app_mention","user":"U0ALICE","text":"<@U0BOT> help top","ts":"1700000000.000200","channel":"C0FIN","event_ts":"1700000000.000200"}})";
  auto port = f.harness->port();
  for (int retry = 0; retry <= 3; ++retry) {
    auto headers = testing::slack_headers("test-signing-secret", f.now(), event, "application/json");
    if (retry) {
      headers.emplace_back("X-Slack-Retry-Num", std::to_string(retry));
      headers.emplace_back("X-Slack-Retry-Reason", "http_timeout");
    }
    CHECK(testing::http_request("127.0.0.1", port, "POST", "/slack/events", headers, event).status == 200);
  }
  REQUIRE(f.slack.wait_for_calls("chat.postMessage", 1));
  auto post = f.slack.calls("chat.postMessage").at(0);
  CHECK(post.at("channel") == "C0FIN");
  CHECK(post.at("thread_ts") == "1700000000.000200");
  CHECK(json::serialize(post).find("/cost top [N]") != std::string::npos);
  CHECK(f.count("SELECT COUNT(*) FROM inbound_seen WHERE source = 'slack.event'") == 1);
  // A direct message goes the same way; a bot's own message does not.
  std::string dm = R"({"type":"event_callback","event_id":"Ev2","team_id":"T0001","event":{"type":"message","channel_type":"im","user":"U0ALICE","text":"subscribe cfo","ts":"1.1","channel":"D0ALICE"}})";
  std::string from_bot = R"({"type":"event_callback","event_id":"Ev3","event":{"type":"message","channel_type":"im","bot_id":"B1","user":"U0BOT","text":"top","ts":"1.2","channel":"D0ALICE"}})";
  CHECK(f.harness->post_slack("/slack/events", dm, "application/json").status == 200);
  CHECK(f.harness->post_slack("/slack/events", from_bot, "application/json").status == 200);
  REQUIRE(f.slack.wait_for_calls("chat.postMessage", 2));
  CHECK(f.count("SELECT COUNT(*) FROM chat_subscriptions WHERE user_id = 'U0ALICE' AND persona = 'cfo'") == 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(f.slack.calls("chat.postMessage").size() == 2);
}

TEST_CASE("a click on Approve is recorded and the posted message is updated in place", "[slack][interactions]") {
  SlackFixture f([](testing::HarnessOptions& o) { o.stepped_outbox = true; });
  auto& db = f.harness->db();
  // An approval request posted through the outbox, as the approvals engine would.
  chat::Reply request;
  request.text("Approval needed: stop 14 idle instances");
  request.actions(actions::approval_buttons("approval:42"));
  {
    auto tx = db.begin_write();
    messages::post(db, {"slack", "C0PAY"}, messages::reply_message("approval:42", request, 1), "approval:42:post:C0PAY", f.now());
    tx.commit();
  }
  REQUIRE(f.harness->deliver_due() == 1);
  REQUIRE(f.slack.calls("chat.postMessage").size() == 1);
  auto posted = f.slack.calls("chat.postMessage").at(0);
  CHECK(json::serialize(posted).find("costbot.approve:approval:42") != std::string::npos);
  CHECK_FALSE(posted.contains("subject"));  // costbot's own bookkeeping never reaches Slack
  auto copy = messages::CopyStore(db).find("approval:42", {"slack", "C0PAY"});
  REQUIRE((copy && copy->landed()));
  const std::string ts = copy->message_id;
  CHECK(ts.starts_with("1700000000."));

  auto click = slack_block_action("costbot.approve:approval:42", "approval:42", ts, "trig-1", f.slack.response_url("a1"));
  auto r = f.harness->post_slack("/slack/interactions", click);
  CHECK(r.status == 200);
  CHECK(f.count("SELECT COUNT(*) FROM chat_decisions WHERE subject = 'approval:42' AND verb = 'approve' AND actor_id = 'U0DANA'") == 1);
  REQUIRE(f.harness->deliver_due() == 1);
  REQUIRE(f.slack.calls("chat.update").size() == 1);
  auto update = f.slack.calls("chat.update").at(0);
  CHECK(update.at("channel") == "C0PAY");
  CHECK(update.at("ts").as_string() == ts);
  CHECK(std::string(update.at("text").as_string()).find("Approved by dana") != std::string::npos);
  CHECK(json::serialize(update).find("costbot.approve") == std::string::npos);  // no buttons any more

  // A second click (or a colleague's) is refused politely, only to them.
  auto again = f.harness->post_slack("/slack/interactions", click);
  CHECK(again.status == 200);
  REQUIRE(f.harness->deliver_due() == 1);  // the refusal, to the clicker's response_url only
  REQUIRE(f.slack.response_url_posts().size() == 1);
  auto note = f.slack.response_url_posts().at(0);
  CHECK(note.at("response_type") == "ephemeral");
  CHECK(std::string(note.at("text").as_string()).find("already approved by dana") != std::string::npos);
  CHECK(f.count("SELECT COUNT(*) FROM chat_decisions") == 1);
  CHECK(f.slack.calls("chat.update").size() == 1);
}

TEST_CASE("Reject asks for a reason in a modal and records it with the decision", "[slack][interactions]") {
  SlackFixture f;
  auto click = slack_block_action("costbot.reject:approval:9", "approval:9", "1700000000.555", "trig-reject");
  CHECK(f.harness->post_slack("/slack/interactions", click).status == 200);
  REQUIRE(f.slack.wait_for_calls("views.open", 1));
  auto open = f.slack.calls("views.open").at(0);
  CHECK(open.at("trigger_id") == "trig-reject");
  auto view = open.at("view").as_object();
  CHECK(view.at("callback_id") == "costbot.reject_reason");
  CHECK(f.count("SELECT COUNT(*) FROM chat_decisions") == 0);

  auto submission = [&](const std::string& reason) {
    json::object payload{
        {"type", "view_submission"},
        {"user", {{"id", "U0DANA"}, {"name", "dana"}}},
        {"team", {{"id", "T0001"}}},
        {"view",
         {{"id", "V0FAKE1"},
          {"callback_id", view.at("callback_id")},
          {"private_metadata", view.at("private_metadata")},
          {"state", {{"values", {{"reason", {{"reason_text", {{"type", "plain_text_input"}, {"value", reason}}}}}}}}}}}};
    return f.harness->post_slack("/slack/interactions", testing::interaction_body(json::serialize(payload)));
  };
  auto empty = submission("   ");
  CHECK(empty.status == 400);
  CHECK(f.count("SELECT COUNT(*) FROM chat_decisions") == 0);

  auto done = submission("the batch job runs until Friday");
  CHECK(done.status == 200);
  CHECK(f.count("SELECT COUNT(*) FROM chat_decisions WHERE verb = 'reject' AND reason = 'the batch job runs until Friday'") == 1);
  REQUIRE(f.slack.wait_for_calls("chat.update", 1));
  auto update = f.slack.calls("chat.update").at(0);
  CHECK(update.at("ts") == "1700000000.555");
  CHECK(std::string(update.at("text").as_string()).find("Rejected by dana") != std::string::npos);
  CHECK(json::serialize(update).find("the batch job runs until Friday") != std::string::npos);
}

TEST_CASE("Not an anomaly, Acknowledge and Details go through the action handler", "[slack][interactions]") {
  // "Not an anomaly" silences and retunes detection: it needs finops_admin (issue 15 finding 7).
  SlackFixture f([](testing::HarnessOptions& o) {
    o.configure = [](config::Config& c) { c.access.roles["finops_admin"].push_back("U0DANA"); };
  });
  auto ts = "1700000000.777";
  CHECK(f.harness->post_slack("/slack/interactions", slack_block_action("costbot.not_anomaly:finding:7", "finding:7", ts)).status == 200);
  CHECK(f.harness->post_slack("/slack/interactions", slack_block_action("costbot.ack:finding:7", "finding:7", ts)).status == 200);
  CHECK(f.count("SELECT COUNT(*) FROM chat_decisions WHERE subject = 'finding:7'") == 2);
  REQUIRE(f.slack.wait_for_calls("chat.update", 2));
  auto details = f.harness->post_slack("/slack/interactions",
                                       slack_block_action("costbot.details:finding:7", "finding:7", ts, "t", f.slack.response_url("d")));
  CHECK(details.status == 200);
  REQUIRE(f.slack.wait_for_response_url_posts(1));
  auto shown = json::serialize(f.slack.response_url_posts().at(0));
  CHECK(shown.find("not_anomaly") != std::string::npos);
  CHECK(shown.find("ephemeral") != std::string::npos);
  // Buttons that are not ours are acknowledged and ignored.
  CHECK(f.harness->post_slack("/slack/interactions", slack_block_action("someone.else", "x", ts)).status == 200);
}

TEST_CASE("approve and reject typed as commands take the same path as the buttons", "[slack][commands]") {
  SlackFixture f;
  auto r = f.body_of(f.harness->post_slack("/slack/commands", testing::slash_command_body("approve 42")));
  CHECK(std::string(r.at("text").as_string()).find("approval:42") != std::string::npos);
  auto again = f.body_of(f.harness->post_slack("/slack/commands", testing::slash_command_body("reject 42 too late")));
  CHECK(std::string(again.at("text").as_string()).find("already approved") != std::string::npos);
  CHECK(f.count("SELECT COUNT(*) FROM chat_decisions WHERE subject = 'approval:42'") == 1);
}

TEST_CASE("a role given to a Slack user group follows the group's members, and an unanswered lookup grants nothing",
          "[slack][security][auth]") {
  // Issue 15: roles from Slack user groups. finops_admin (needed for "Not an anomaly") is given to
  // the user group S0FINOPS; admin to the group with the handle @cost-admins. The fake Slack checks
  // the bot token (a wrong one is a violation, checked when the fixture ends).
  testing::TestClock clock(1726653600);
  SlackFixture f([&clock](testing::HarnessOptions& o) {
    o.clock = &clock;
    o.configure = [](config::Config& c) {
      c.access.roles["finops_admin"] = {"slack_group:S0FINOPS"};
      c.access.roles["admin"] = {"slack_group:@cost-admins"};
    };
  });
  f.slack.set_user_group("S0FINOPS", "finops", {"U0DANA", "U0LEE"});
  f.slack.set_user_group("S0ADMINS", "cost-admins", {"U0LEE"});
  int finding = 0;
  auto not_anomaly = [&] {
    const auto subject = "finding:" + std::to_string(++finding);
    auto r = f.harness->post_slack("/slack/interactions",
                                   slack_block_action("costbot.not_anomaly:" + subject, subject, "1700000000.000100",
                                                      "trig-" + subject));
    CHECK(r.status < 500);
    return f.count("SELECT COUNT(*) FROM chat_decisions WHERE verb = 'not_anomaly' AND subject = '" + subject + "'") == 1;
  };
  auto lookups = [&] { return f.slack.user_group_lookups("S0FINOPS"); };

  // Dana is in the group: her click counts. One lookup, then the answer is cached.
  CHECK(not_anomaly());
  CHECK(lookups() == 1);
  // Dana leaves the group: within the cache's five minutes her click still counts, Slack is not asked.
  f.slack.set_user_group("S0FINOPS", "finops", {"U0LEE"});
  clock.advance(299);
  CHECK(not_anomaly());
  CHECK(lookups() == 1);
  // After it expires the change counts: refused (and audited), nothing recorded.
  clock.advance(2);
  CHECK_FALSE(not_anomaly());
  CHECK(lookups() == 2);
  CHECK(f.count("SELECT COUNT(*) FROM audit_log WHERE action = 'access.denied' AND actor = 'U0DANA'") == 1);

  // Back in the group, but Slack does not answer: refused, never granted.
  f.slack.set_user_group("S0FINOPS", "finops", {"U0DANA"});
  f.slack.drop_user_group_lookups("S0FINOPS");
  clock.advance(301);
  CHECK_FALSE(not_anomaly());
  CHECK(lookups() == 3);
  // The failure is kept for 30 s (no lookup per click during an outage), then Slack is asked again.
  f.slack.drop_user_group_lookups("S0FINOPS", false);
  clock.advance(29);
  CHECK_FALSE(not_anomaly());
  CHECK(lookups() == 3);
  clock.advance(2);
  CHECK(not_anomaly());
  CHECK(lookups() == 4);

  // A handle is resolved to its group through usergroups.list: Lee is an admin, Dana is not.
  const auto& authorizer = std::as_const(f.harness->service()).authorizer();
  auto slack_person = [](const std::string& id) {
    auth::Principal p;
    p.platform = "slack";
    p.user_id = id;
    return p;
  };
  CHECK(authorizer.check(slack_person("U0LEE"), auth::Action::manage_access).allowed);
  CHECK_FALSE(authorizer.check(slack_person("U0DANA"), auth::Action::manage_access).allowed);
  CHECK(f.slack.user_group_lookups("S0ADMINS") >= 1);
  // A handle Slack no longer knows is nobody's.
  f.slack.set_user_group("S0ADMINS", "renamed", {"U0LEE"});
  clock.advance(301);
  CHECK_FALSE(authorizer.check(slack_person("U0LEE"), auth::Action::manage_access).allowed);
}

TEST_CASE("a query answer is shown to the asker only, and Share posts it for the channel, saying who shared it",
          "[slack][commands][share]") {
  SlackFixture f([](testing::HarnessOptions& o) {
    o.stepped_outbox = true;
    o.ack_budget_ms = 30000;  // answered inline even on a loaded machine
  });
  testing::seed_cost_data(f.harness->db(), day_of(f.now()), {10, 30, 5});
  auto r = f.harness->post_slack("/slack/commands", testing::slash_command_body("top 5 last 7d", f.slack.response_url("cmd")));
  REQUIRE(r.status == 200);
  auto answer = f.body_of(r);
  CHECK(answer.at("response_type") == "ephemeral");
  const json::object* share = nullptr;
  for (const auto& block : answer.at("blocks").as_array())
    if (block.at("type") == "actions") share = &block.at("elements").at(0).as_object();
  REQUIRE(share);
  CHECK(share->at("text").at("text") == "Share to channel");
  CHECK(share->at("value") == "command:top 5 7d");

  // Dana clicks Share on the private answer (Slack: an ephemeral container, a fresh response_url).
  auto click = [&](const std::string& response_url) {
    json::object payload{
        {"type", "block_actions"},
        {"user", {{"id", "U0DANA"}, {"username", "dana"}, {"name", "dana"}, {"team_id", "T0001"}}},
        {"team", {{"id", "T0001"}, {"domain", "example"}}},
        {"api_app_id", "A123456"},
        {"trigger_id", "trig-share"},
        {"response_url", response_url},
        {"container", {{"type", "message"}, {"message_ts", "1700000100.000100"}, {"channel_id", "C0PAY"}, {"is_ephemeral", true}}},
        {"channel", {{"id", "C0PAY"}, {"name", "payments"}}},
        {"actions", json::array{{{"action_id", share->at("action_id")}, {"block_id", "b9"}, {"type", "button"},
                                 {"value", share->at("value")}, {"action_ts", "1700000101.0"}}}}};
    return f.harness->post_slack("/slack/interactions", testing::interaction_body(json::serialize(payload)));
  };
  REQUIRE(click(f.slack.response_url("share")).status == 200);
  REQUIRE(f.harness->deliver_due() == 2);
  auto posts = f.slack.response_url_posts();
  REQUIRE(posts.size() == 2);
  const auto& shared = posts[0].at("response_type") == "in_channel" ? posts[0] : posts[1];
  const auto& note = posts[0].at("response_type") == "in_channel" ? posts[1] : posts[0];
  // For everyone in the channel: the same answer, who shared it, and no button.
  CHECK(shared.at("response_type") == "in_channel");
  CHECK_FALSE(shared.contains("replace_original"));
  const auto shared_text = json::serialize(shared);
  CHECK(shared.at("blocks").at(0).at("text").at("text") == "Top 5 services · last 7 days");
  CHECK(shared_text.find("Shared by dana") != std::string::npos);
  CHECK(shared_text.find("costbot.share") == std::string::npos);
  // For Dana: the private answer becomes a note.
  CHECK(note.at("response_type") == "ephemeral");
  CHECK(note.at("replace_original") == true);
  CHECK(json::serialize(note).find("You shared") != std::string::npos);
  CHECK(f.count("SELECT COUNT(*) FROM audit_log WHERE action = 'answer.shared' AND actor = 'slack:U0DANA' "
                "AND subject = 'command:top 5 7d'") == 1);

  // Clicking again (a slow network, a double click) shares nothing more.
  REQUIRE(click(f.slack.response_url("share2")).status == 200);
  f.harness->deliver_due();
  auto after = f.slack.response_url_posts();
  REQUIRE(after.size() == 3);
  CHECK(after[2].at("response_type") == "ephemeral");
  CHECK(json::serialize(after[2]).find("shared already") != std::string::npos);
  CHECK(f.count("SELECT COUNT(*) FROM audit_log WHERE action = 'answer.shared'") == 1);
}
