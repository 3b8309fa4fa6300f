#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "adapters/teams/activity.hpp"
#include "adapters/teams/adaptive_card.hpp"
#include "adapters/teams/bot_auth.hpp"
#include "adapters/teams/connector.hpp"
#include "adapters/teams/jwt.hpp"
#include "adapters/teams/message_render.hpp"
#include "adapters/teams/openid.hpp"
#include "adapters/teams/outgoing_webhook.hpp"
#include "bot/actions/action_handler.hpp"
#include "bot/actions/buttons.hpp"
#include "bot/commands/dispatcher.hpp"
#include "bot/alerts/subscription_commands.hpp"
#include "bot/commands/replies.hpp"
#include "engine/config/config.hpp"
#include "engine/render/templates.hpp"
#include "engine/util/error.hpp"
#include "engine/util/hash.hpp"
#include "engine/util/strings.hpp"
#include "tests/support/config_issues.hpp"
#include "tests/support/approvals_support.hpp"
#include "tests/support/cost_data.hpp"
#include "tests/support/teams_tokens.hpp"
#include "tests/support/test_support.hpp"

using namespace costbot;
namespace json = boost::json;

namespace {

constexpr UnixSeconds kNow = 1726653600;  // 2024-09-18T10:00:00Z
const std::string kAppId = "00000000-test-app-id";
const std::string kServiceUrl = "https://smba.trafficmanager.net/emea/";

json::object good_claims(UnixSeconds now = kNow) {
  return {{"serviceurl", kServiceUrl}, {"nbf", now - 60}, {"exp", now + 3600}, {"iss", "https://api.botframework.com"}, {"aud", kAppId}};
}

// Metadata + JWKS served from memory, counting fetches.
struct KeyServer {
  std::vector<json::object> keys{testing::test_rsa_key("key-1").jwk()};
  int fetches = 0;
  bool down = false;
  teams::FetchFn fetch() {
    return [this](const std::string& url) -> std::string {
      ++fetches;
      if (down) throw std::runtime_error("connection refused");
      if (url == "https://login.test/openid")
        return R"({"issuer":"https://api.botframework.com","jwks_uri":"https://login.test/keys","id_token_signing_alg_values_supported":["RS256"]})";
      json::array list;
      for (const auto& k : keys) list.push_back(k);
      return json::serialize(json::object{{"keys", list}});
    };
  }
};

struct AuthFixture {
  KeyServer server;
  ManualClock clock{kNow};
  teams::BotAuthenticator auth;
  AuthFixture() : auth(options(), server.fetch(), clock) {}
  static teams::BotAuthOptions options() {
    teams::BotAuthOptions o;
    o.metadata_url = "https://login.test/openid";
    o.audience = kAppId;
    return o;
  }
  teams::VerifiedToken verify(const std::string& token) { return auth.verify("Bearer " + token); }
};

std::string refusal_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return std::string(to_string(e.kind())) + ": " + e.what();
  }
  return "accepted";
}

void write_rendered(const std::string& name, const json::object& body) {
  auto dir = std::filesystem::path(testing::build_path("rendered/teams"));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / (name + ".json")) << json::serialize(body);
}

std::string activity_json(json::object extra) {
  json::object a{{"type", "message"},
                 {"id", "1726653600123"},
                 {"timestamp", "2024-09-18T10:00:00.123Z"},
                 {"serviceUrl", kServiceUrl},
                 {"channelId", "msteams"},
                 {"from", {{"id", "29:1dana"}, {"name", "Dana Kim"}, {"aadObjectId", "aad-dana"}}},
                 {"recipient", {{"id", "28:" + kAppId}, {"name", "costbot"}}},
                 {"conversation", {{"id", "19:abc@thread.tacv2;messageid=1726650000000"}, {"conversationType", "channel"},
                                   {"tenantId", "tenant-1"}}},
                 {"channelData", {{"tenant", {{"id", "tenant-1"}}}, {"team", {{"id", "19:team@thread.tacv2"}, {"name", "FinOps"}}},
                                  {"channel", {{"id", "19:abc@thread.tacv2"}, {"name", "costs"}}}}}};
  for (auto& [k, v] : extra) a[k] = v;
  return json::serialize(a);
}

}  // namespace

TEST_CASE("Teams JWT: bearer header and compact JWS parsing refuse malformed input", "[teams][jwt]") {
  CHECK(teams::bearer_token("Bearer abc.def.ghi") == "abc.def.ghi");
  CHECK(teams::bearer_token("bearer   abc.def.ghi ") == "abc.def.ghi");
  CHECK_THROWS_WITH(teams::bearer_token(std::nullopt), Catch::Contains("missing Authorization header"));
  CHECK_THROWS_WITH(teams::bearer_token("Basic dXNlcjpwYXNz"), Catch::Contains("not a Bearer token"));
  CHECK_THROWS_WITH(teams::bearer_token("Bearer "), Catch::Contains("not a Bearer token"));
  CHECK_THROWS_WITH(teams::parse_jwt_header("no-dots"), Catch::Contains("malformed token"));
  CHECK_THROWS_WITH(teams::parse_jwt_header("a.b"), Catch::Contains("malformed token"));
  CHECK_THROWS_WITH(teams::parse_jwt_header("a.b.c.d.e"), Catch::Contains("more than three parts"));
  CHECK_THROWS_WITH(teams::parse_jwt_header("!!!.e30.sig"), Catch::Contains("not base64url"));
  CHECK_THROWS_WITH(teams::parse_jwt_header(hash::base64url_encode("[1]") + ".e30.sig"), Catch::Contains("not a JSON object"));
  CHECK_THROWS_WITH(teams::parse_jwt_header(hash::base64url_encode(R"({"typ":"JWT"})") + ".e30.sig"),
                    Catch::Contains("no alg"));
  CHECK_THROWS_WITH(teams::parse_jwt_header(hash::base64url_encode(R"({"alg":"RS256","crit":["x"]})") + ".e30.sig"),
                    Catch::Contains("crit"));
  CHECK_THROWS_WITH(teams::parse_jwt_header(std::string(20000, 'a') + ".b.c"), Catch::Contains("16 KiB"));
  auto header = teams::parse_jwt_header(testing::sign_rs256(testing::test_rsa_key("key-1"), good_claims()));
  CHECK(header.alg == "RS256");
  CHECK(header.kid == "key-1");
}

TEST_CASE("Teams JWT: RS256 verifies with the key rebuilt from the JWK's n and e, and nothing else", "[teams][jwt]") {
  const auto& key = testing::test_rsa_key("key-1");
  const auto& other = testing::test_rsa_key("key-2");
  auto pem = teams::rsa_public_key_pem(key.n, key.e);
  CHECK(pem.starts_with("-----BEGIN PUBLIC KEY-----"));
  auto token = testing::sign_rs256(key, good_claims());
  auto claims = teams::verify_rs256(token, pem);
  CHECK(claims.at("aud").as_string() == kAppId);
  CHECK(claims.at("serviceurl").as_string() == kServiceUrl);

  // Another key's signature, a changed payload, a cut signature: refused.
  CHECK_THROWS_WITH(teams::verify_rs256(testing::sign_rs256(other, good_claims(), "key-1"), pem),
                    Catch::Contains("signature does not verify"));
  auto dot = token.find('.');
  auto dot2 = token.find('.', dot + 1);
  auto forged_claims = good_claims();
  forged_claims["aud"] = "someone-else";
  auto forged = token.substr(0, dot + 1) + hash::base64url_encode(json::serialize(forged_claims)) + token.substr(dot2);
  CHECK_THROWS_WITH(teams::verify_rs256(forged, pem), Catch::Contains("signature does not verify"));
  CHECK_THROWS_WITH(teams::verify_rs256(token.substr(0, dot2 + 1), pem), Catch::Contains("no signature"));
  // alg none and HS256 keyed with the public key's PEM (algorithm confusion) never reach libjwt.
  CHECK_THROWS_WITH(teams::verify_rs256(testing::unsigned_token(good_claims(), "key-1"), pem), Catch::Contains("not RS256"));
  CHECK_THROWS_WITH(teams::verify_rs256(testing::sign_hs256(pem, good_claims(), "key-1"), pem), Catch::Contains("not RS256"));

  CHECK_THROWS_WITH(teams::rsa_public_key_pem("AQAB", key.e), Catch::Contains("bits"));
  CHECK_THROWS_WITH(teams::rsa_public_key_pem(key.n, "***"), Catch::Contains("not base64url"));
}

TEST_CASE("Teams OpenID metadata and JWKS are parsed, unusable keys are skipped", "[teams][jwt]") {
  auto m = teams::parse_openid_metadata(
      R"({"issuer":"https://api.botframework.com","jwks_uri":"https://login.botframework.com/v1/.well-known/keys","id_token_signing_alg_values_supported":["RS256"]})");
  CHECK(m.jwks_uri == "https://login.botframework.com/v1/.well-known/keys");
  CHECK(m.signing_algs == std::vector<std::string>{"RS256"});
  CHECK_THROWS_WITH(teams::parse_openid_metadata(R"({"issuer":"x"})"), Catch::Contains("jwks_uri"));
  CHECK_THROWS_WITH(teams::parse_openid_metadata("<html>"), Catch::Contains("not a JSON object"));

  const auto& key = testing::test_rsa_key("key-1");
  json::array keys{key.jwk({"msteams", "skype"}),
                   json::object{{"kty", "EC"}, {"kid", "ec"}, {"crv", "P-256"}, {"x", "AA"}, {"y", "AA"}},
                   json::object{{"kty", "RSA"}, {"kid", "enc"}, {"use", "enc"}, {"n", key.n}, {"e", key.e}},
                   json::object{{"kty", "RSA"}, {"kid", "weak"}, {"n", "AQAB"}, {"e", "AQAB"}},
                   json::object{{"kty", "RSA"}, {"n", key.n}, {"e", key.e}}};
  auto parsed = teams::parse_jwks(json::serialize(json::object{{"keys", keys}}));
  REQUIRE(parsed.size() == 1);
  CHECK(parsed[0].kid == "key-1");
  CHECK(parsed[0].endorsements == std::vector<std::string>{"msteams", "skype"});
  CHECK_THROWS_WITH(teams::parse_jwks(R"({"nokeys":[]})"), Catch::Contains("keys"));
}

TEST_CASE("Teams authenticator: a valid Bot Framework token passes, every forged or stale one is refused", "[teams][jwt]") {
  AuthFixture f;
  const auto& key = testing::test_rsa_key("key-1");
  auto ok = f.verify(testing::sign_rs256(key, good_claims()));
  CHECK(ok.kid == "key-1");
  CHECK_NOTHROW(teams::BotAuthenticator::check_activity(ok, kServiceUrl, "msteams"));

  auto with = [&](const char* name, json::value v) {
    auto c = good_claims();
    if (v.is_null()) c.erase(name);
    else c[name] = v;
    return testing::sign_rs256(key, c);
  };
  auto refused = [&](const std::string& token) { return refusal_of([&] { f.verify(token); }); };
  CHECK_THAT(refused(with("aud", "another-bot")), Catch::StartsWith("unauthorized") && Catch::Contains("audience"));
  CHECK_THAT(refused(with("aud", json::array{"x", "y"})), Catch::Contains("audience"));
  CHECK(refused(with("aud", json::array{"x", json::string(kAppId)})) == "accepted");
  CHECK_THAT(refused(with("iss", "https://sts.windows.net/evil/")), Catch::Contains("issuer"));
  CHECK_THAT(refused(with("exp", kNow - 301)), Catch::Contains("expired"));
  CHECK(refused(with("exp", kNow - 299)) == "accepted");  // within the 5-minute skew
  CHECK_THAT(refused(with("exp", nullptr)), Catch::Contains("no expiry"));
  CHECK_THAT(refused(with("exp", "tomorrow")), Catch::Contains("not a number"));
  CHECK_THAT(refused(with("nbf", kNow + 301)), Catch::Contains("not valid yet"));
  CHECK(refused(with("nbf", kNow + 299)) == "accepted");
  CHECK_THAT(refused(testing::sign_rs256(testing::test_rsa_key("key-2"), good_claims())), Catch::Contains("unknown key"));
  CHECK_THAT(refused(testing::unsigned_token(good_claims(), "key-1")), Catch::Contains("is not RS256"));
  CHECK_THAT(refused(testing::sign_hs256(key.public_pem, good_claims(), "key-1")), Catch::Contains("is not RS256"));
  CHECK_THAT(refused("not-a-jwt"), Catch::Contains("malformed"));
  CHECK_THAT(refusal_of([&] { f.auth.verify(std::nullopt); }), Catch::Contains("missing Authorization"));

  // The activity is bound to the token: serviceUrl must match, the key must endorse the channel.
  CHECK_THAT(refusal_of([&] { teams::BotAuthenticator::check_activity(ok, "https://evil.example/", "msteams"); }),
             Catch::Contains("serviceurl"));
  CHECK_THAT(refusal_of([&] { teams::BotAuthenticator::check_activity(ok, kServiceUrl, "webchat"); }),
             Catch::Contains("not endorsed"));
  auto no_claim = good_claims();
  no_claim.erase("serviceurl");
  auto token = f.verify(testing::sign_rs256(key, no_claim));
  CHECK_THAT(refusal_of([&] { teams::BotAuthenticator::check_activity(token, kServiceUrl, "msteams"); }),
             Catch::Contains("serviceurl"));
}

TEST_CASE("Teams authenticator: keys are cached and refreshed on an unknown kid at most once a minute", "[teams][jwt]") {
  AuthFixture f;
  const auto& k1 = testing::test_rsa_key("key-1");
  const auto& k2 = testing::test_rsa_key("key-2");
  f.verify(testing::sign_rs256(k1, good_claims()));
  CHECK(f.server.fetches == 2);  // metadata + JWKS
  for (int i = 0; i < 5; ++i) f.verify(testing::sign_rs256(k1, good_claims()));
  CHECK(f.server.fetches == 2);  // cached

  // Microsoft rolls over to key-2: the first token with it finds it at once only if a minute passed.
  f.server.keys.push_back(k2.jwk());
  CHECK_THAT(refusal_of([&] { f.verify(testing::sign_rs256(k2, good_claims())); }), Catch::Contains("unknown key"));
  CHECK(f.server.fetches == 2);
  f.clock.advance(61);
  CHECK_NOTHROW(f.verify(testing::sign_rs256(k2, good_claims(f.clock.now()))));
  CHECK(f.server.fetches == 4);
  // Junk kids cannot make it fetch more than once a minute.
  for (int i = 0; i < 10; ++i)
    CHECK_THAT(refusal_of([&] { f.verify(testing::sign_rs256(k1, good_claims(f.clock.now()), "junk-" + std::to_string(i))); }),
               Catch::Contains("unknown key"));
  CHECK(f.server.fetches == 4);

  // With the keys unreachable: 503-kind "unavailable" (Teams retries), not a 401.
  AuthFixture down;
  down.server.down = true;
  CHECK_THAT(refusal_of([&] { down.verify(testing::sign_rs256(k1, good_claims())); }), Catch::StartsWith("unavailable"));
  auto fetches = down.server.fetches;
  CHECK_THAT(refusal_of([&] { down.verify(testing::sign_rs256(k1, good_claims())); }), Catch::StartsWith("unavailable"));
  CHECK(down.server.fetches == fetches);  // not retried within 5 s
  down.server.down = false;
  down.clock.advance(6);
  CHECK_NOTHROW(down.verify(testing::sign_rs256(k1, good_claims(down.clock.now()))));
}

TEST_CASE("Teams outgoing webhook HMAC: Microsoft's scheme, valid, wrong and missing", "[teams][webhook]") {
  // The vector of PROTOCOLS.md 2.6 (key from Microsoft's sample).
  const std::string token = "vqF0En+Z0ucuRTM/01o2GuhMH3hKKk/N2bOmlM31zaA=";
  const std::string body = R"({"type":"message","text":"<at>Bot</at> status"})";
  CHECK(teams::outgoing_webhook_authorization(token, body) == "HMAC bA2OYgytjJOgRN7lY4T6BBxxgG9Jvd0i47v9nVujDDM=");
  CHECK_NOTHROW(teams::verify_outgoing_webhook(token, "HMAC bA2OYgytjJOgRN7lY4T6BBxxgG9Jvd0i47v9nVujDDM=", body));
  CHECK_THROWS_WITH(teams::verify_outgoing_webhook(token, "HMAC bA2OYgytjJOgRN7lY4T6BBxxgG9Jvd0i47v9nVujDDN=", body),
                    Catch::Contains("signature does not match"));
  CHECK_THROWS_WITH(teams::verify_outgoing_webhook(token, "HMAC bA2OYgytjJOgRN7lY4T6BBxxgG9Jvd0i47v9nVujDDM=", body + " "),
                    Catch::Contains("signature does not match"));
  CHECK_THROWS_WITH(teams::verify_outgoing_webhook(token, std::nullopt, body), Catch::Contains("missing Authorization"));
  CHECK_THROWS_WITH(teams::verify_outgoing_webhook(token, "Bearer x", body), Catch::Contains("not an HMAC"));
  CHECK_THROWS_AS(teams::verify_outgoing_webhook(token, "HMAC ", body), Error);
  CHECK(teams::valid_security_token(token));
  CHECK_FALSE(teams::valid_security_token("not base64!"));
}

TEST_CASE("Teams activities: mentions stripped, fields read, malformed ones refused with a reason", "[teams][activity]") {
  CHECK(teams::strip_mentions("<at>costbot</at> top 5 by service 7d") == "top 5 by service 7d");
  CHECK(teams::strip_mentions("<at>Cost Bot</at>&nbsp;team <b>payments</b> mtd\n") == "team payments mtd");
  CHECK(teams::strip_mentions("<p><at id=\"0\">costbot</at> help</p>") == "help");
  CHECK(teams::strip_mentions("top 5 &amp; more <3") == "top 5 & more <3");
  CHECK(teams::strip_mentions("<at>unterminated top") == "unterminated top");  // "<at>" dropped as markup; the text stays
  CHECK(teams::strip_mentions("") == "");

  auto a = teams::parse_activity(activity_json({{"text", "<at>costbot</at> top 5"}}));
  CHECK(a.type == "message");
  CHECK(a.service_url == kServiceUrl);
  CHECK(a.conversation.conversation_type == "channel");
  CHECK(a.tenant_id == "tenant-1");
  CHECK(a.team_name == "FinOps");
  CHECK(a.channel_name == "costs");
  CHECK(a.is_text_message());
  CHECK(teams::user_id_of(a.from) == "aad-dana");

  CHECK_THROWS_WITH(teams::parse_activity("{"), Catch::Contains("not valid JSON"));
  CHECK_THROWS_WITH(teams::parse_activity("[]"), Catch::Contains("JSON object"));
  CHECK_THROWS_WITH(teams::parse_activity(R"({"serviceUrl":"x","conversation":{"id":"c"}})"), Catch::Contains("no type"));
  CHECK_THROWS_WITH(teams::parse_activity(R"({"type":"message","conversation":{"id":"c"}})"), Catch::Contains("serviceUrl"));
  CHECK_THROWS_WITH(teams::parse_activity(R"({"type":"message","serviceUrl":"x","conversation":{}})"),
                    Catch::Contains("conversation.id"));
  CHECK_THROWS_WITH(teams::parse_activity(R"({"type":"message","serviceUrl":"x","conversation":{"id":"c"},"from":{"id":5}})"),
                    Catch::Contains("from.id"));

  auto installed = teams::parse_activity(activity_json({{"type", "installationUpdate"}, {"action", "add"}}));
  CHECK(installed.bot_added());
  auto joined = teams::parse_activity(activity_json(
      {{"type", "conversationUpdate"}, {"membersAdded", json::array{{{"id", "28:" + kAppId}}}}}));
  CHECK(joined.bot_added());
  auto left = teams::parse_activity(activity_json(
      {{"type", "conversationUpdate"}, {"membersRemoved", json::array{{{"id", "28:" + kAppId}}}}}));
  CHECK(left.bot_removed());
}

TEST_CASE("Teams card clicks: Action.Execute invokes and Action.Submit messages become ChatActions", "[teams][activity]") {
  auto execute = teams::parse_activity(activity_json(
      {{"type", "invoke"},
       {"name", "adaptiveCard/action"},
       {"replyToId", "1:card-activity"},
       {"value", {{"action", {{"type", "Action.Execute"}, {"verb", "costbot.reject"},
                              {"data", {{"costbot_verb", "reject"}, {"subject", "finding:7"}, {"summary", "EC2 +38%"},
                                        {"reason:finding:7", "  expected: migration  "}}}}},
                  {"trigger", "manual"}}}}));
  auto click = teams::card_action(execute);
  REQUIRE(click);
  CHECK(click->invoke);
  CHECK(click->action.verb == chat::ActionVerb::reject);
  CHECK(click->action.subject == "finding:7");
  CHECK(click->action.reason == "expected: migration");
  CHECK(click->action.actor.platform == "teams");
  CHECK(click->action.actor.user_id == "aad-dana");
  CHECK(click->action.actor.name == "Dana Kim");
  CHECK(click->action.message.channel == "19:abc@thread.tacv2");  // the channel, not the thread
  CHECK(teams::base_conversation_id("19:abc@thread.tacv2;messageid=1726650000000") == "19:abc@thread.tacv2");
  CHECK(teams::base_conversation_id("a:1personal") == "a:1personal");
  CHECK(click->action.message.message_id == "1:card-activity");
  CHECK(click->action.message.text == "EC2 +38%");
  CHECK(click->action.team_id == "tenant-1");

  auto submit = teams::parse_activity(activity_json(
      {{"replyToId", "1:card"}, {"value", {{"costbot_verb", "approve"}, {"subject", "approval:42"}}}}));
  CHECK_FALSE(submit.is_text_message());
  auto s = teams::card_action(submit);
  REQUIRE(s);
  CHECK_FALSE(s->invoke);
  CHECK(s->action.verb == chat::ActionVerb::approve);

  // The approval cards of templates/teams/approver (Action.Submit with the request and stage).
  auto form = teams::parse_activity(activity_json(
      {{"replyToId", "1:card"}, {"value", {{"costbot_action", "approval.reject"}, {"request_id", 42}, {"stage", 2}, {"reason", "no budget"}}}}));
  auto f = teams::card_action(form);
  REQUIRE(f);
  CHECK(f->action.verb == chat::ActionVerb::reject);
  CHECK(f->action.subject == "approval:42");
  CHECK(f->stage == 2);
  CHECK(f->action.reason == "no budget");

  // Other apps' cards are not ours; broken costbot data is an error with a reason.
  CHECK_FALSE(teams::card_action(teams::parse_activity(activity_json({{"value", {{"something", "else"}}}}))));
  CHECK_FALSE(teams::card_action(teams::parse_activity(activity_json({{"type", "invoke"}, {"name", "composeExtension/query"}}))));
  CHECK_THROWS_WITH(teams::card_action(teams::parse_activity(activity_json({{"value", {{"costbot_verb", "launch"}, {"subject", "x"}}}}))),
                    Catch::Contains("unknown costbot card action"));
  CHECK_THROWS_WITH(teams::card_action(teams::parse_activity(activity_json({{"value", {{"costbot_verb", "approve"}}}}))),
                    Catch::Contains("no subject"));
  CHECK_THROWS_WITH(teams::card_action(teams::parse_activity(activity_json({{"value", {{"costbot_action", "approval.approve"}}}}))),
                    Catch::Contains("request_id"));
  CHECK_THROWS_WITH(teams::card_action(teams::parse_activity(activity_json({{"type", "invoke"}, {"name", "adaptiveCard/action"}, {"value", json::object{}}}))),
                    Catch::Contains("value.action"));
}

TEST_CASE("every Teams message kind renders as a valid Adaptive Card (written to build/rendered/teams)", "[teams][render]") {
  testing::TempDir dir;
  auto db = storage::open_migrated(dir.file("r.db"));
  Day today = *parse_day("2024-09-18");
  testing::seed_cost_data(db, today, {30, 60, 7});
  commands::DispatcherOptions options;
  config::TeamConfig payments;
  payments.name = "payments";
  payments.budget.monthly = 12000;
  options.teams = {payments};
  commands::Dispatcher d(options);
  commands::Invocation inv;
  inv.actor = {"teams", "aad-dana", "Dana Kim"};
  inv.channel = "19:abc@thread.tacv2";
  inv.db = &db;
  inv.now = start_of(today) + 3600;

  std::map<std::string, chat::Reply> replies;
  replies["help"] = d.run("help", inv);
  replies["help-top"] = d.run("help top", inv);
  replies["unknown-command"] = d.run("tpo 5", inv);
  replies["malformed-command"] = d.run("top 500", inv);
  replies["top"] = d.run("top 5 by service 7d", inv);
  replies["top-by-team"] = d.run("top 10 by team 30d", inv);
  replies["top-no-data"] = d.run("top 2019-01", inv);
  replies["team"] = d.run("team payments mtd", inv);
  const auto personas = testing::load_config_text("{}\n");  // the built-in personas
  alerts_app::install_subscription_commands(d, personas);  // as the service installs them
  replies["subscribe"] = d.run("subscribe cfo", inv);
  replies["not-available"] = d.run("anomalies", inv);
  replies["working-on-it"] = commands::working_on(*commands::parse("top 5").command);
  replies["failure"] = commands::failure("abc-12");

  chat::Reply approval;
  approval.title = "Approval needed: stop 14 idle instances";
  approval.text("*payments* asks to stop 14 idle EC2 instances in prod-payments <staging>, saving about $3,100 a month.");
  approval.fields({{"Requested by", "Dana Kim"}, {"Saving", "$3,100 / month"}, {"Stage", "1 of 2 (team lead)"}});
  approval.divider();
  approval.actions(actions::approval_buttons("approval:42"));
  approval.context("Request approval:42 · waiting for the team lead");
  approval.visibility = chat::Visibility::in_channel;
  replies["approval-request"] = approval;

  chat::Reply alert;
  alert.title = "Cost anomaly: Amazon EC2 +38% for payments";
  alert.text("EC2 spend for *payments* was $4,210 yesterday against an expected $3,050.");
  alert.actions(actions::alert_buttons("finding:7"));
  replies["anomaly-alert"] = alert;

  chat::ChatAction click;
  click.verb = chat::ActionVerb::approve;
  click.subject = "approval:42";
  click.message.text = "Approval needed: stop 14 idle instances";
  replies["decided"] = actions::decided_message(click, {1, "approval:42", "approve", "teams", "aad-dana", "Dana Kim", "", "", "", kNow});

  // Details, as the action handler answers it once a decision is recorded (a table).
  actions::RecordingActionHandler handler;
  chat::ChatAction ack = click;
  ack.verb = chat::ActionVerb::ack;
  ack.actor = {"teams", "aad-dana", "Dana Kim"};
  handler.handle(ack, db, kNow);
  chat::ChatAction details = ack;
  details.verb = chat::ActionVerb::details;
  auto details_reply = handler.handle(details, db, kNow).reply_to_actor;
  REQUIRE(details_reply);
  replies["details"] = *details_reply;

  chat::Reply big;
  big.title = "A very long answer";
  for (int i = 0; i < 400; ++i) big.text("line " + std::to_string(i) + ": " + std::string(100, 'x'));
  replies["shortened"] = big;

  for (const auto& [name, reply] : replies) {
    INFO(name);
    auto activity = teams::render_activity(reply);
    CHECK(activity.at("type") == "message");
    CHECK(json::serialize(activity).size() < 28 * 1024);
    // Plain text goes as text (nothing for the card validator); everything else as a card.
    if (activity.contains("attachments")) write_rendered("command-" + name, activity);
    else CHECK(!activity.at("text").as_string().empty());
    // Every reply also as a bare card (what updates and invoke responses carry).
    write_rendered("card-" + name, teams::render_card(reply));
  }
  auto approval_card = teams::render_card(approval);
  auto text = json::serialize(approval_card);
  CHECK(text.find("\"version\":\"1.5\"") != std::string::npos);
  CHECK(text.find("**payments**") != std::string::npos);
  CHECK(text.find("<staging>") != std::string::npos);  // Adaptive Cards draw no HTML: nothing to escape
  CHECK(text.find("\"verb\":\"costbot.approve\"") != std::string::npos);
  CHECK(text.find("\"id\":\"reason:approval:42\"") != std::string::npos);
  CHECK(text.find("\"isRequired\":true") != std::string::npos);
  CHECK(text.find("\"separator\":true") != std::string::npos);
  CHECK(text.find("Action.ShowCard") != std::string::npos);  // the confirm dialogs
  CHECK(text.find("\"fallback\":{\"type\":\"Action.Submit\"") != std::string::npos);  // older clients
  CHECK(json::serialize(teams::render_card(big)).find("shortened") != std::string::npos);
  CHECK(teams::render_activity(replies["failure"]).contains("text"));  // plain text goes as text
  CHECK(teams::render_activity(replies["top"]).contains("attachments"));
  CHECK(json::serialize(teams::render_card(replies["top"])).find("\"type\":\"Table\"") != std::string::npos);

  // A query answer in a channel: the card everyone sees while only the asker sees the answer
  // (a user-specific view); the answer itself, with its Share button, is "top" above.
  auto for_one = teams::user_specific_activity(replies["top"], "29:1dana");
  REQUIRE(for_one);
  write_rendered("command-top-user-specific-view", *for_one);
  CHECK(teams::card_of(*for_one)->at("refresh").at("action").at("verb") == "costbot.details");
  CHECK(json::serialize(teams::render_card(replies["top"])).find("\"verb\":\"costbot.share\"") != std::string::npos);
  CHECK_FALSE(teams::user_specific_activity(replies["help"], "29:1dana"));  // nothing private to hide

  // Invoke responses (the refreshed card; a message; an error).
  write_rendered("invoke-card", teams::card_invoke_response(teams::render_card(replies["decided"])));
  CHECK(teams::message_invoke_response("Done").at("type") == "application/vnd.microsoft.activity.message");
  CHECK(teams::error_invoke_response(400, "BadRequest", "no").at("statusCode") == 400);

  // Incoming webhooks cannot click: buttons, show-cards and inputs go; links stay.
  auto webhook = teams::render_activity(approval);
  teams::strip_bot_actions(webhook);
  auto stripped = json::serialize(webhook);
  CHECK(stripped.find("Action.Execute") == std::string::npos);
  CHECK(stripped.find("Action.ShowCard") == std::string::npos);
  CHECK(stripped.find("Input.Text") == std::string::npos);
  CHECK(stripped.find("ActionSet") == std::string::npos);
  write_rendered("webhook-approval-request", webhook);
  auto non_interactive = teams::render_activity(alert, teams::CardOptions{false});
  CHECK(json::serialize(non_interactive).find("Action.") == std::string::npos);
  write_rendered("webhook-anomaly-alert", non_interactive);
}

TEST_CASE("card markdown: chat *bold* marks become Adaptive Card **bold**", "[teams][render]") {
  CHECK(teams::card_markdown("*payments* is up") == "**payments** is up");
  CHECK(teams::card_markdown("3 * 4 = 12") == "3 * 4 = 12");
  CHECK(teams::card_markdown("a *b\nc* d") == "a *b\nc* d");
  CHECK(teams::card_markdown("**") == "**");
  CHECK(teams::card_markdown("*x*y*") == "**x**y*");
}

TEST_CASE("Teams connector helpers: service URL allow-list and path encoding", "[teams][connector]") {
  std::vector<std::string> hosts{"smba.trafficmanager.net", "*.teams.microsoft.com"};
  CHECK(teams::service_url_allowed("https://smba.trafficmanager.net/emea/", hosts));
  CHECK(teams::service_url_allowed("https://SMBA.trafficmanager.net/amer/", hosts));
  CHECK(teams::service_url_allowed("https://smba.infra.gcc.teams.microsoft.com/", hosts));
  CHECK_FALSE(teams::service_url_allowed("https://teams.microsoft.com/", hosts));
  CHECK_FALSE(teams::service_url_allowed("https://evil.example/smba.trafficmanager.net/", hosts));
  CHECK_FALSE(teams::service_url_allowed("https://smba.trafficmanager.net.evil.example/", hosts));
  CHECK_FALSE(teams::service_url_allowed("not a url", hosts));
  CHECK(teams::encode_path_segment("19:abc@thread.tacv2;messageid=1") == "19%3Aabc%40thread.tacv2%3Bmessageid%3D1");
  CHECK(teams::encode_path_segment("a-b_c.d~") == "a-b_c.d~");
}

TEST_CASE("msteams config: environment fallbacks, conversations, webhooks and errors named by key", "[teams][config]") {
  testing::TempDir dir;
  setenv("TEAMS_APP_ID", "env-app-id", 1);
  setenv("TEAMS_APP_PASSWORD", "env-password", 1);
  setenv("TEAMS_TOKEN_URL", "http://127.0.0.1:9/token", 1);
  setenv("TEAMS_WEBHOOK_FINOPS", "https://example.webhook.office.com/webhookb2/abc", 1);
  config::Config c;
  auto issues = config::check_text(R"(
msteams:
  tenant_id: tenant-1
  clock_skew: 2m
  allowed_service_url_hosts: [smba.trafficmanager.net, 127.0.0.1]
  incoming_webhooks:
    finops: {url: {env: TEAMS_WEBHOOK_FINOPS}}
  conversations:
    costs: {id: "19:abc@thread.tacv2", service_url: "https://smba.trafficmanager.net/emea/"}
teams:
  - name: payments
    teams_conversation: webhook:finops
)", &c);
  unsetenv("TEAMS_APP_ID");
  unsetenv("TEAMS_APP_PASSWORD");
  unsetenv("TEAMS_TOKEN_URL");
  unsetenv("TEAMS_WEBHOOK_FINOPS");
  INFO(issues.to_string());
  CHECK(issues.empty());
  CHECK(c.msteams.app_id == "env-app-id");
  CHECK(c.msteams.app_password.reveal() == "env-password");
  CHECK(c.msteams.effective_token_url() == "http://127.0.0.1:9/token");
  CHECK(c.msteams.clock_skew == 120);
  CHECK(c.msteams.find_conversation("costs")->id == "19:abc@thread.tacv2");
  CHECK(c.msteams.find_incoming_webhook("finops")->url.reveal().starts_with("https://"));
  CHECK(c.msteams.bot_enabled());
  CHECK_FALSE(c.msteams.webhook_enabled());

  config::MsTeamsConfig defaults;
  CHECK(defaults.effective_token_url() == "https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token");
  defaults.tenant_id = "contoso-tenant";
  CHECK(defaults.effective_token_url() == "https://login.microsoftonline.com/contoso-tenant/oauth2/v2.0/token");

  auto bad = testing::config_issues(R"(
msteams:
  openid_metadata_url: ftp://x
  clock_skew: 1h
  allowed_service_url_hosts: ["smba trafficmanager"]
  outgoing_webhook_secret: "not base64!"
  conversations:
    costs: {service_url: nowhere}
  webhook_ack_budget_ms: 9000
  incoming_webhooks:
    ops: {}
  colour: blue
teams:
  - name: payments
    teams_conversation: webhook:nope
)");
  auto joined = text::join(bad, "\n");
  INFO(joined);
  CHECK(joined.find("msteams.openid_metadata_url: expected an http(s) URL") != std::string::npos);
  CHECK(joined.find("msteams.clock_skew: must be 0..10m") != std::string::npos);
  CHECK(joined.find("msteams.allowed_service_url_hosts: \"smba trafficmanager\"") != std::string::npos);
  CHECK(joined.find("msteams.outgoing_webhook_secret: is not base64") != std::string::npos);
  CHECK(joined.find("msteams.conversations.costs.id") != std::string::npos);
  CHECK(joined.find("msteams.webhook_ack_budget_ms") != std::string::npos);
  CHECK(joined.find("msteams.incoming_webhooks.ops.url") != std::string::npos);
  CHECK(joined.find("msteams.colour") != std::string::npos);
  CHECK(joined.find("teams[0].teams_conversation: \"webhook:nope\" names no msteams.incoming_webhooks entry") != std::string::npos);
  CHECK(joined.find("not base64!") == std::string::npos);  // the secret's value is never echoed

  // Single-tenant by default: a bot with a password needs its tenant (or an explicit token URL).
  auto no_tenant = text::join(testing::config_issues("msteams:\n  app_id: a1\n  app_password: p1\n"), "\n");
  CHECK_THAT(no_tenant, Catch::Contains("msteams.tenant_id: required for a bot with an app_password"));
  CHECK_THAT(no_tenant, Catch::Contains("botframework.com"));
  CHECK(testing::config_issues("msteams:\n  app_id: a1\n  app_password: p1\n  tenant_id: contoso-tenant\n").empty());
  CHECK(testing::config_issues("msteams:\n  app_id: a1\n  app_password: p1\n  tenant_id: botframework.com\n").empty());
}

TEST_CASE("an escalation card mentions Teams users with <at> and a mention entity each, and names the rest",
          "[teams][render]") {
  render::Templates templates(testing::source_path("templates"));
  json::object facts{{"kind_label", "Cost spike"},
                     {"scope_label", "team payments"},
                     {"escalation",
                      {{"level", "manager"},
                       {"role", "manager"},
                       {"hours_text", "2 hours"},
                       {"has_people", true},
                       {"people_users", json::array{"29:1mgrTeamsId", "0f1e2d3c-4b5a-6978-8899-aabbccddeeff",
                                                    "pat@contoso.example", "U0PAYMGR"}}}},
                     // Text that merely looks like a mention notifies nobody.
                     {"title", "<at>29:1intruder</at>"}};
  messages::Message message{"incident:7", "finops_analyst/escalation", facts, 1};
  auto activity = teams::render_message_activity(templates, message);
  const auto& card = activity.at("attachments").as_array()[0].as_object().at("content").as_object();
  const auto said = json::serialize(card.at("body"));
  INFO(json::serialize(card));
  CHECK_THAT(said, Catch::Contains("<at>29:1mgrTeamsId</at> <at>0f1e2d3c-4b5a-6978-8899-aabbccddeeff</at> "
                                   "<at>pat@contoso.example</at> @U0PAYMGR: "));
  const auto& entities = card.at("msteams").at("entities").as_array();
  REQUIRE(entities.size() == 3);
  CHECK(entities[0].at("type") == "mention");
  CHECK(entities[0].at("text") == "<at>29:1mgrTeamsId</at>");
  CHECK(entities[0].at("mentioned").at("id") == "29:1mgrTeamsId");
  CHECK(entities[2].at("mentioned").at("id") == "pat@contoso.example");
  for (const auto& e : entities) CHECK(e.at("mentioned").at("id") != "29:1intruder");

  // Nobody to mention: no entities at all.
  facts["escalation"].as_object()["people_users"] = json::array{"U0PAYMGR"};
  auto plain = teams::render_message_activity(templates, messages::Message{"incident:7", "finops_analyst/escalation", facts, 1});
  CHECK_FALSE(plain.at("attachments").as_array()[0].as_object().at("content").as_object().contains("msteams"));
}
