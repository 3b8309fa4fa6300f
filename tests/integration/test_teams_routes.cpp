#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <regex>

#include "adapters/teams/adaptive_card.hpp"
#include "adapters/teams/outgoing_webhook.hpp"
#include "bot/actions/buttons.hpp"
#include "engine/messages/copies.hpp"
#include "engine/messages/publish.hpp"
#include "engine/outbox/outbox.hpp"
#include "tests/support/cost_data.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/fake_teams.hpp"
#include "tests/support/service_harness.hpp"
#include "tests/support/test_clock.hpp"
#include "tests/support/test_support.hpp"

using namespace costbot;
namespace json = boost::json;

namespace {

// A channel, and a thread in it as Teams names the conversation of a message in that thread.
const std::string kTeamsChannel = "19:abc@thread.tacv2";
const std::string kConversation = kTeamsChannel + ";messageid=1726650000000";
const std::string kTeamsWebhookToken = "vqF0En+Z0ucuRTM/01o2GuhMH3hKKk/N2bOmlM31zaA=";

struct TeamsFixture {
  testing::TempDir dir;
  testing::FakeTeams teams;
  testing::FakeHttpServer webhook_sink;  // an Incoming Webhook / Workflows URL
  testing::TestClock clock{1726653600};  // 2024-09-18T10:00:00Z; the service's clock when stepped
  std::unique_ptr<testing::ServiceHarness> harness;

  // stepped: the outbox delivers only on deliver_due(), at `clock`'s now (retries are checked by
  // moving the clock, never waited for).
  explicit TeamsFixture(std::function<void(config::MsTeamsConfig&)> tweak = {}, bool stepped = false) {
    webhook_sink.on("POST", "/workflows/finops", testing::ScriptedResponse::text(202, ""));
    testing::HarnessOptions options;
    options.database_path = dir.file("teams.db");
    options.slack = false;
    // Adapter tests: clicks on made-up subjects (approval:42) reach the recording handler, as in
    // test_slack_routes; the approvals engine has its own Teams test in test_approvals_http.
    options.approvals = false;
    options.ca_file = teams.ca_file();
    if (stepped) {
      options.clock = &clock;
      options.stepped_outbox = true;
    }
    options.configure = [this, tweak](config::Config& c) {
      auto& t = c.msteams;
      t.app_id = teams.app_id();
      t.app_password = config::Secret(teams.app_password(), "test");
      t.openid_metadata_url = teams.metadata_url();
      t.token_url = teams.token_url();
      t.allowed_service_url_hosts = {"127.0.0.1", "smba.trafficmanager.net"};
      t.outgoing_webhook_secret = config::Secret(kTeamsWebhookToken, "test");
      t.incoming_webhooks.push_back({"finops", config::Secret(webhook_sink.url() + "/workflows/finops", "test")});
      t.conversations.push_back({"costs", kTeamsChannel, teams.service_url(), "tenant-1"});
      if (tweak) tweak(t);
    };
    harness = std::make_unique<testing::ServiceHarness>(options);
    harness->start();
  }
  ~TeamsFixture() {
    harness.reset();
    CHECK(teams.violations().empty());
  }
  std::int64_t now() { return harness->service().clock().now(); }
  int count(const std::string& sql) { return harness->db().sql().execAndGet(sql).getInt(); }

  json::object activity(json::object extra = {}) {
    json::object a{{"type", "message"},
                   {"id", "1726653600" + std::to_string(++next_id)},
                   {"timestamp", "2024-09-18T10:00:00.123Z"},
                   {"serviceUrl", teams.service_url()},
                   {"channelId", "msteams"},
                   {"from", {{"id", "29:1dana"}, {"name", "Dana Kim"}, {"aadObjectId", "aad-dana"}}},
                   {"recipient", {{"id", "28:" + teams.app_id()}, {"name", "costbot"}}},
                   {"conversation", {{"id", kConversation}, {"conversationType", "channel"}, {"tenantId", "tenant-1"}}},
                   {"channelData", {{"tenant", {{"id", "tenant-1"}}}, {"team", {{"id", "19:team@thread.tacv2"}, {"name", "FinOps"}}},
                                    {"channel", {{"id", "19:abc@thread.tacv2"}, {"name", "costs"}}}}}};
    for (auto& [k, v] : extra) a[k] = v;
    return a;
  }
  testing::TestResponse post(const json::object& activity, const std::optional<std::string>& token) {
    testing::Headers headers{{"Content-Type", "application/json; charset=utf-8"}};
    if (token) headers.emplace_back("Authorization", "Bearer " + *token);
    return testing::http_request("127.0.0.1", harness->port(), "POST", "/teams/messages", headers, json::serialize(activity));
  }
  testing::TestResponse post(const json::object& activity) { return post(activity, teams.token(now())); }

  // Queues a proactive card (as alerts and approval requests do) for the outbox.
  void queue_card(const std::string& subject, const chat::Reply& reply) {
    auto& db = harness->db();
    auto tx = db.begin_write();
    messages::post(db, {"teams", "costs"}, messages::reply_message(subject, reply, 1), "test:" + subject, now());
    tx.commit();
  }
  // Queues a proactive card and waits until Teams has it (the outbox thread delivers it).
  std::string post_card(const std::string& subject, const chat::Reply& reply) {
    auto before = teams.connector_calls("POST").size();
    queue_card(subject, reply);
    harness->service().wake_outbox();
    REQUIRE(teams.wait_for_connector_calls("POST", before + 1));
    // The copy is recorded after the connector answered, in the outbox worker's own transaction.
    REQUIRE(testing::eventually([&] {
      auto copy = messages::CopyStore(harness->db()).find(subject, {"teams", "costs"});
      return copy && copy->landed();
    }));
    return teams.connector_calls("POST").back().returned_id;
  }
  int next_id = 0;
};

chat::Reply approval_card() {
  chat::Reply r;
  r.title = "Approval needed: stop 14 idle instances";
  r.text("*payments* asks to stop 14 idle EC2 instances, saving about $3,100 a month.");
  r.actions(actions::approval_buttons("approval:42"));
  r.visibility = chat::Visibility::in_channel;
  return r;
}

json::object click(const std::string& verb, const std::string& subject, const std::string& card_id, json::object inputs = {}) {
  json::object data{{"costbot_verb", verb}, {"subject", subject}, {"summary", "Approval needed: stop 14 idle instances"}};
  for (auto& [k, v] : inputs) data[k] = v;
  return {{"type", "invoke"},
          {"name", "adaptiveCard/action"},
          {"replyToId", card_id},
          {"value", {{"action", {{"type", "Action.Execute"}, {"verb", "costbot." + verb}, {"data", data}}}, {"trigger", "manual"}}}};
}

}  // namespace

TEST_CASE("Teams activities without a valid Bot Framework token get 401 and nothing is processed", "[teams][auth]") {
  TeamsFixture f;
  auto now = f.now();
  const auto& key = testing::test_rsa_key("key-1");
  auto message = f.activity({{"text", "<at>costbot</at> subscribe cfo"}});
  auto signed_with = [&](std::function<void(json::object&)> change) {
    auto claims = f.teams.claims(now);
    change(claims);
    return testing::sign_rs256(key, claims);
  };
  struct Case {
    const char* name;
    std::optional<std::string> token;
    const char* reason;
  };
  std::vector<Case> cases{
      {"missing header", std::nullopt, "missing Authorization header"},
      {"malformed token", std::string("eyJhbGciOiJSUzI1NiJ9.garbage"), "malformed token"},
      {"alg none", testing::unsigned_token(f.teams.claims(now), "key-1"), "not RS256"},
      {"HS256 signed with the public key", testing::sign_hs256(key.public_pem, f.teams.claims(now), "key-1"), "not RS256"},
      {"wrong audience", signed_with([](json::object& c) { c["aud"] = "another-bot"; }), "audience"},
      {"wrong issuer", signed_with([](json::object& c) { c["iss"] = "https://sts.windows.net/attacker/"; }), "issuer"},
      {"expired", signed_with([&](json::object& c) { c["exp"] = now - 600; }), "expired"},
      {"not yet valid", signed_with([&](json::object& c) { c["nbf"] = now + 600; }), "not valid yet"},
      {"unknown kid", testing::sign_rs256(testing::test_rsa_key("key-2"), f.teams.claims(now)), "unknown key"},
      {"serviceUrl mismatch", signed_with([](json::object& c) { c["serviceurl"] = "https://smba.trafficmanager.net/emea/"; }),
       "serviceurl"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    auto r = f.post(message, c.token);
    CHECK(r.status == 401);
    CHECK(r.body.find(c.reason) != std::string::npos);
  }
  // A token for an activity claiming another (allowed-looking) serviceUrl is bound to the one signed.
  auto moved = f.activity({{"text", "help"}, {"serviceUrl", "https://smba.trafficmanager.net/amer/"}});
  CHECK(f.post(moved).status == 401);

  CHECK(f.count("SELECT COUNT(*) FROM teams_conversations") == 0);
  CHECK(f.count("SELECT COUNT(*) FROM outbox") == 0);
  CHECK(f.count("SELECT COUNT(*) FROM chat_subscriptions") == 0);
  CHECK(f.teams.connector_calls().empty());
  CHECK(f.teams.key_fetches() == 2);  // metadata + JWKS once; the unknown kid did not refetch within the minute

  // The control: the same message with a good token is processed.
  CHECK(f.post(message).status == 200);
  CHECK(f.count("SELECT COUNT(*) FROM chat_subscriptions WHERE platform = 'teams' AND user_id = 'aad-dana'") == 1);
  CHECK(f.teams.wait_for_connector_calls("POST", 1));
}

TEST_CASE("a Teams message gets its answer as an Adaptive Card through the connector", "[teams][commands]") {
  TeamsFixture f;
  testing::seed_cost_data(f.harness->db(), day_of(f.now()), {10, 30, 5});
  auto message = f.activity({{"text", "<at>costbot</at> top 5 by service 7d"}});
  auto r = f.post(message);
  REQUIRE(r.status == 200);
  REQUIRE(f.teams.wait_for_connector_calls("POST", 1));
  auto call = f.teams.connector_calls("POST").front();
  CHECK(call.conversation_id == kConversation);
  CHECK(call.activity_id == message.at("id").as_string());  // a reply in the thread
  const auto* card = teams::card_of(call.body);
  REQUIRE(card);
  auto text = json::serialize(*card);
  // In a channel the figures are for the asker (a user-specific view: see the Share test below).
  CHECK(text.find("Top 5 services") != std::string::npos);
  CHECK(card->at("refresh").at("userIds").at(0) == "29:1dana");

  // The conversation reference was captured, with the serviceUrl to reach it later.
  {
    SQLite::Statement q(f.harness->db().sql(),
                        "SELECT service_url, tenant_id, conversation_type, name, team_name FROM teams_conversations WHERE conversation_id = ?");
    q.bind(1, kTeamsChannel);  // one reference per channel, whatever thread the message was in
    REQUIRE(q.executeStep());
    CHECK(q.getColumn(0).getString() == f.teams.service_url());
    CHECK(q.getColumn(1).getString() == "tenant-1");
    CHECK(q.getColumn(2).getString() == "channel");
    CHECK(q.getColumn(3).getString() == "costs");
    CHECK(q.getColumn(4).getString() == "FinOps");
  }

  // Teams retrying the same activity gets no second answer; a new message reuses the cached token.
  CHECK(f.post(message).status == 200);
  CHECK(f.post(f.activity({{"text", "<at>costbot</at> tpo 5"}})).status == 200);
  REQUIRE(f.teams.wait_for_connector_calls("POST", 2));
  auto help = f.teams.connector_calls("POST")[1];
  CHECK(json::serialize(help.body).find("Did you mean") != std::string::npos);
  CHECK(f.teams.token_requests() == 1);
  CHECK_FALSE(f.teams.wait_for_connector_calls("POST", 3, std::chrono::milliseconds(300)));
}

TEST_CASE("an Approve click on a Teams card runs the action handler and refreshes the card in place", "[teams][actions]") {
  TeamsFixture f;
  auto card_id = f.post_card("approval:42", approval_card());
  {
    auto copy = messages::CopyStore(f.harness->db()).find("approval:42", {"teams", "costs"});
    REQUIRE(copy);
    CHECK(copy->message_id == card_id);
    CHECK(copy->service_url == f.teams.service_url());
  }

  auto r = f.post(f.activity(click("approve", "approval:42", card_id)));
  REQUIRE(r.status == 200);
  auto answer = json::parse(r.body).as_object();
  CHECK(answer.at("statusCode") == 200);
  CHECK(answer.at("type") == "application/vnd.microsoft.card.adaptive");
  auto refreshed = json::serialize(answer.at("value"));
  CHECK(refreshed.find("Approved") != std::string::npos);
  CHECK(refreshed.find("Dana Kim") != std::string::npos);
  CHECK(refreshed.find("Approval needed: stop 14 idle instances") != std::string::npos);
  CHECK(refreshed.find("costbot.approve") == std::string::npos);  // no buttons left
  CHECK(f.count("SELECT COUNT(*) FROM chat_decisions WHERE subject = 'approval:42' AND verb = 'approve' AND "
                "actor_platform = 'teams' AND actor_id = 'aad-dana'") == 1);
  // Everyone else sees it too: the message is edited through the connector.
  REQUIRE(f.teams.wait_for_connector_calls("PUT", 1));
  auto put = f.teams.connector_calls("PUT").front();
  CHECK(put.conversation_id == kTeamsChannel);  // the copy as posted; the click came from inside its thread
  CHECK(put.activity_id == card_id);
  CHECK(json::serialize(put.body).find("Approved") != std::string::npos);

  // A second click is refused with who decided, and nothing changes.
  auto again = json::parse(f.post(f.activity(click("approve", "approval:42", card_id))).body).as_object();
  CHECK(again.at("type") == "application/vnd.microsoft.activity.message");
  CHECK(again.at("value").as_string().find("already approved by Dana Kim") != std::string::npos);
  CHECK(f.count("SELECT COUNT(*) FROM chat_decisions") == 1);
}

TEST_CASE("Teams Reject needs a reason, Action.Submit clicks and Details work too", "[teams][actions]") {
  TeamsFixture f;
  auto card_id = f.post_card("approval:43", approval_card());
  // Reject with the reason box empty: told to write one, the handler never runs.
  auto empty = json::parse(f.post(f.activity(click("reject", "approval:43", card_id))).body).as_object();
  CHECK(empty.at("value").as_string().find("Write why") != std::string::npos);
  CHECK(f.count("SELECT COUNT(*) FROM chat_decisions") == 0);
  // With the reason (the ShowCard's input comes with the action's data).
  auto rejected = f.post(f.activity(click("reject", "approval:43", card_id, {{"reason:approval:43", "no budget this quarter"}})));
  auto card = json::serialize(json::parse(rejected.body).at("value"));
  CHECK(card.find("Rejected") != std::string::npos);
  CHECK(card.find("no budget this quarter") != std::string::npos);
  CHECK(f.count("SELECT COUNT(*) FROM chat_decisions WHERE verb = 'reject' AND reason = 'no budget this quarter'") == 1);

  // Action.Submit (older clients, the approval templates): a message with the data as value.
  auto alert_id = f.post_card("finding:7", [] {
    chat::Reply r;
    r.title = "Cost anomaly: Amazon EC2 +38% for payments";
    r.actions(actions::alert_buttons("finding:7"));
    return r;
  }());
  auto submit = f.activity({{"replyToId", alert_id}, {"value", {{"costbot_verb", "ack"}, {"subject", "finding:7"}}}});
  CHECK(f.post(submit).status == 200);
  CHECK(f.post(submit).status == 200);  // Teams delivering the same message again: handled once
  CHECK(f.count("SELECT COUNT(*) FROM chat_decisions WHERE subject = 'finding:7' AND verb = 'ack'") == 1);
  REQUIRE(testing::eventually([&] {
    for (const auto& c : f.teams.connector_calls("PUT"))
      if (c.activity_id == alert_id && json::serialize(c.body).find("Acknowledged") != std::string::npos) return true;
    return false;
  }));

  // Details: the record goes into the conversation as a reply; the invoke says where.
  auto before = f.teams.connector_calls("POST").size();
  auto details = json::parse(f.post(f.activity(click("details", "finding:7", alert_id))).body).as_object();
  CHECK(details.at("value").as_string().find("Posted") != std::string::npos);
  REQUIRE(f.teams.wait_for_connector_calls("POST", before + 1));
  auto reply = f.teams.connector_calls("POST").back();
  CHECK(reply.activity_id == alert_id);
  CHECK(json::serialize(reply.body).find("Details: finding:7") != std::string::npos);

  // Broken costbot data is a 400 with the reason.
  auto bad = f.post(f.activity({{"value", {{"costbot_verb", "launch"}, {"subject", "x"}}}}));
  CHECK(bad.status == 400);
  CHECK(bad.body.find("unknown costbot card action") != std::string::npos);
}

TEST_CASE("proactive Teams posts and edits go through the connector with a cached token, 429 is retried later",
          "[teams][outbox]") {
  TeamsFixture f({}, /*stepped=*/true);
  // Retry-After longer than the deliveries' 1 s patience: handed back to the outbox, which reschedules.
  f.teams.fail_next_connector_call(testing::ScriptedResponse::json(429, R"({"error":{"code":"Throttled"}})").header("Retry-After", "2"));
  chat::Reply alert;
  alert.title = "Budget: data-platform is on pace for $9,800 of $8,000";
  alert.text("Month-end forecast exceeds the budget by 22%.");
  const std::string subject = "budget:data-platform:2024-09";
  const std::string attempts = "SELECT attempts FROM outbox WHERE idempotency_key = 'test:" + subject + "'";
  f.queue_card(subject, alert);
  CHECK(f.harness->deliver_due() == 1);  // throttled
  CHECK(f.count(attempts) == 1);
  f.clock.advance(1);
  CHECK(f.harness->deliver_due() == 0);  // not before Retry-After
  f.clock.advance(1);
  CHECK(f.harness->deliver_due() == 1);
  CHECK(f.count(attempts) == 2);
  auto copy = messages::CopyStore(f.harness->db()).find(subject, {"teams", "costs"});
  REQUIRE(copy);
  CHECK(copy->landed());
  auto posted = f.teams.connector_calls("POST").back();
  CHECK_FALSE(posted.returned_id.empty());
  CHECK(copy->message_id == posted.returned_id);
  CHECK(posted.conversation_id == kTeamsChannel);  // "costs" resolved through msteams.conversations
  CHECK(posted.activity_id.empty());              // a new message, not a reply

  // Edit it (newer version), then an older edit arrives late: it is skipped.
  auto& db = f.harness->db();
  auto enqueue_update = [&](int version, const std::string& text) {
    chat::Reply r;
    r.title = text;
    auto tx = db.begin_write();
    messages::enqueue(db, "test:update:v" + std::to_string(version),
                      messages::ChatUpdate{{"teams", "costs"}, messages::reply_message("budget:data-platform:2024-09", r, version)},
                      f.now());
    tx.commit();
    return f.harness->deliver_due();
  };
  CHECK(enqueue_update(3, "Budget: forecast revised") == 1);
  REQUIRE(f.teams.connector_calls("PUT").size() == 1);
  CHECK(json::serialize(f.teams.connector_calls("PUT").front().body).find("forecast revised") != std::string::npos);
  CHECK(enqueue_update(2, "Budget: stale text") == 1);
  CHECK(outbox::status_of(db, "test:update:v2") == std::optional<std::string>("done"));
  CHECK(f.teams.connector_calls("PUT").size() == 1);
  CHECK(f.teams.token_requests() == 1);

  // A Workflows webhook destination: posted without bot-only buttons, never edited.
  auto tx = db.begin_write();
  messages::post(db, {"teams", "webhook:finops"}, messages::reply_message("approval:43", approval_card(), 1), "test:webhook",
                 f.now());
  tx.commit();
  CHECK(f.harness->deliver_due() == 1);
  REQUIRE(f.webhook_sink.requests("POST", "/workflows/finops").size() == 1);
  auto body = f.webhook_sink.requests("POST", "/workflows/finops").front().body;
  CHECK(body.find("Approval needed") != std::string::npos);
  CHECK(body.find("Action.Execute") == std::string::npos);
  CHECK(f.webhook_sink.requests("POST", "/workflows/finops").front().header("authorization").empty());
}

TEST_CASE("installing the Teams app captures the conversation and says hello once", "[teams][conversations]") {
  TeamsFixture f;
  auto personal = [&](json::object extra) {
    auto a = f.activity(std::move(extra));
    a["conversation"] = json::object{{"id", "a:1personal-chat"}, {"conversationType", "personal"}, {"tenantId", "tenant-1"}};
    a.erase("channelData");
    return a;
  };
  CHECK(f.post(personal({{"type", "installationUpdate"}, {"action", "add"}})).status == 200);
  CHECK(f.post(personal({{"type", "conversationUpdate"}, {"membersAdded", json::array{{{"id", "28:" + f.teams.app_id()}}}}})).status == 200);
  REQUIRE(f.teams.wait_for_connector_calls("POST", 1));
  CHECK(f.teams.connector_calls("POST").front().conversation_id == "a:1personal-chat");
  CHECK(json::serialize(f.teams.connector_calls("POST").front().body).find("Hello, I am costbot") != std::string::npos);
  CHECK_FALSE(f.teams.wait_for_connector_calls("POST", 2, std::chrono::milliseconds(300)));
  CHECK(f.count("SELECT COUNT(*) FROM teams_conversations WHERE conversation_id = 'a:1personal-chat' AND installed = 1 "
                "AND conversation_type = 'personal'") == 1);
  // Removed: kept, marked, so alerts stop going there.
  CHECK(f.post(personal({{"type", "installationUpdate"}, {"action", "remove"}})).status == 200);
  CHECK(f.count("SELECT installed FROM teams_conversations WHERE conversation_id = 'a:1personal-chat'") == 0);

  auto listed = testing::run_costbot({"--db", f.dir.file("teams.db"), "msteams", "conversations", "--all", "--format", "json"});
  CHECK(listed.exit_code == 0);
  CHECK(listed.out.find("a:1personal-chat") != std::string::npos);
}

TEST_CASE("Teams outgoing webhooks: HMAC checked, commands answered inside the response", "[teams][webhook]") {
  TeamsFixture f;
  testing::seed_cost_data(f.harness->db(), day_of(f.now()), {10, 30, 5});
  auto body = json::serialize(f.activity({{"text", "<at>costbot</at> top 3 by team 7d"}}));
  auto send = [&](std::optional<std::string> auth) {
    testing::Headers headers{{"Content-Type", "application/json"}};
    if (auth) headers.emplace_back("Authorization", *auth);
    return testing::http_request("127.0.0.1", f.harness->port(), "POST", "/teams/webhook", headers, body);
  };
  auto good = send(teams::outgoing_webhook_authorization(kTeamsWebhookToken, body));
  REQUIRE(good.status == 200);
  auto reply = json::parse(good.body).as_object();
  CHECK(reply.at("type") == "message");
  auto text = json::serialize(reply);
  CHECK(text.find("Top 3 teams") != std::string::npos);
  CHECK(text.find("Action.Execute") == std::string::npos);  // outgoing webhooks cannot take clicks
  auto wrong = send(teams::outgoing_webhook_authorization("c2VjcmV0LW90aGVy", body));
  CHECK(wrong.status == 401);
  CHECK(wrong.body.find("signature does not match") != std::string::npos);
  auto missing = send(std::nullopt);
  CHECK(missing.status == 401);
  CHECK(missing.body.find("missing Authorization") != std::string::npos);
  // The smallest body Teams documents (no serviceUrl, no conversation) is answered too.
  body = R"({"type":"message","text":"<at>Bot</at> help"})";
  auto minimal = send(teams::outgoing_webhook_authorization(kTeamsWebhookToken, body));
  CHECK(minimal.status == 200);
  CHECK(minimal.body.find("top") != std::string::npos);
}

TEST_CASE("without Teams configuration both Teams routes answer 503 with the reason", "[teams]") {
  testing::TempDir dir;
  testing::HarnessOptions options;
  options.database_path = dir.file("off.db");
  options.slack = false;
  testing::ServiceHarness harness(options);
  harness.start();
  auto messages = testing::http_request("127.0.0.1", harness.port(), "POST", "/teams/messages", {}, "{}");
  CHECK(messages.status == 503);
  CHECK(messages.body.find("TEAMS_APP_ID") != std::string::npos);
  auto webhook = testing::http_request("127.0.0.1", harness.port(), "POST", "/teams/webhook", {}, "{}");
  CHECK(webhook.status == 503);
  CHECK(webhook.body.find("TEAMS_OUTGOING_WEBHOOK_SECRET") != std::string::npos);
}

TEST_CASE("Teams: a query answer in a channel is a user-specific view for the asker, Share posts it for everyone",
          "[teams][commands][share]") {
  TeamsFixture f;
  testing::seed_cost_data(f.harness->db(), day_of(f.now()), {10, 30, 5});
  REQUIRE(f.post(f.activity({{"text", "<at>costbot</at> top 5 by service 7d"}})).status == 200);
  REQUIRE(f.teams.wait_for_connector_calls("POST", 1));
  auto posted = f.teams.connector_calls("POST").front();
  const std::string card_id = posted.returned_id;
  const auto* card = teams::card_of(posted.body);
  REQUIRE(card);
  // Everyone sees what was asked and who may see it, no figures; Dana's client asks for Dana's card.
  const auto everyone = json::serialize(*card);
  CHECK(everyone.find("Top 5 services") != std::string::npos);
  CHECK(everyone.find("Only the person who asked") != std::string::npos);
  CHECK(everyone.find("\"type\":\"Table\"") == std::string::npos);
  CHECK_FALSE(std::regex_search(everyone, std::regex(R"(\$[0-9])")));  // no amounts
  const auto& refresh = card->at("refresh").as_object();
  CHECK(refresh.at("userIds") == json::array{"29:1dana"});
  CHECK(refresh.at("action").at("type") == "Action.Execute");
  CHECK(refresh.at("action").at("verb") == "costbot.details");
  const std::string subject(refresh.at("action").at("data").at("subject").as_string());
  CHECK(subject == "command:top 5 by service 7d");

  // Dana's client refreshes the card (an adaptiveCard/action invoke): the answer, with Share, for Dana only.
  auto refreshed = f.post(f.activity(
      {{"type", "invoke"},
       {"name", "adaptiveCard/action"},
       {"replyToId", card_id},
       {"value", {{"action", refresh.at("action")}, {"trigger", "automatic"}}}}));
  REQUIRE(refreshed.status == 200);
  auto mine = json::parse(refreshed.body).as_object();
  CHECK(mine.at("type") == "application/vnd.microsoft.card.adaptive");
  const auto dana_sees = json::serialize(mine.at("value"));
  CHECK(dana_sees.find("\"type\":\"Table\"") != std::string::npos);
  CHECK(dana_sees.find("costbot.share") != std::string::npos);
  CHECK(dana_sees.find("Share to channel") != std::string::npos);
  CHECK(f.teams.connector_calls("POST").size() == 1);  // nothing posted for the refresh

  // Dana shares it: a new message in the channel for everyone, saying who shared it.
  auto shared = f.post(f.activity(click("share", subject, card_id)));
  REQUIRE(shared.status == 200);
  auto told = json::parse(shared.body).as_object();
  CHECK(told.at("type") == "application/vnd.microsoft.activity.message");
  CHECK(told.at("value") == "Shared with everyone here.");
  REQUIRE(f.teams.wait_for_connector_calls("POST", 2));
  auto post = f.teams.connector_calls("POST")[1];
  CHECK(post.conversation_id == kTeamsChannel);
  const auto for_all = json::serialize(post.body);
  CHECK(for_all.find("\"type\":\"Table\"") != std::string::npos);
  CHECK(for_all.find("Shared by Dana Kim") != std::string::npos);
  CHECK(for_all.find("costbot.share") == std::string::npos);
  CHECK(for_all.find("refresh") == std::string::npos);
  CHECK(f.count("SELECT COUNT(*) FROM audit_log WHERE action = 'answer.shared' AND actor = 'teams:aad-dana'") == 1);

  // In a personal chat the answer is private already: the figures, no Share, no refresh.
  REQUIRE(f.post(f.activity({{"text", "top 5 by service 7d"},
                             {"conversation", {{"id", "a:1dana-personal"}, {"conversationType", "personal"}, {"tenantId", "tenant-1"}}}}))
              .status == 200);
  REQUIRE(f.teams.wait_for_connector_calls("POST", 3));
  auto personal = f.teams.connector_calls("POST")[2];
  CHECK(personal.conversation_id == "a:1dana-personal");
  const auto direct = json::serialize(personal.body);
  CHECK(direct.find("\"type\":\"Table\"") != std::string::npos);
  CHECK(direct.find("costbot.share") == std::string::npos);
  CHECK(direct.find("refresh") == std::string::npos);
}
