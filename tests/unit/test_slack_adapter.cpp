#include <catch2/catch.hpp>

#include <cstring>
#include <memory>

#include "adapters/http/form.hpp"
#include "adapters/slack/inbound.hpp"
#include "adapters/slack/verify.hpp"
#include "engine/util/error.hpp"
#include "tests/support/slack_signing.hpp"

using namespace costbot;

namespace {
// Slack's documented example (PROTOCOLS.md §1.1), clock fixed at 1531420618.
const std::string kSecret = "8f742231b10e8888abcd99yyyzzz85a5";
const std::string kBody =
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar"
    "&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com"
    "%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
const std::string kSignature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

std::string verify_error(std::optional<std::string_view> ts, std::optional<std::string_view> sig, const std::string& body,
                         UnixSeconds now) {
  try {
    slack::verify(kSecret, ts, sig, body, now);
    return "";
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::unauthorized);
    return e.what();
  }
}
}  // namespace

TEST_CASE("Slack request verification accepts Slack's own example and rejects every variation", "[slack]") {
  CHECK(slack::sign(kSecret, "1531420618", kBody) == kSignature);
  CHECK(testing::slack_signature(kSecret, 1531420618, kBody) == kSignature);
  CHECK(verify_error("1531420618", kSignature, kBody, 1531420618).empty());
  CHECK(verify_error("1531420618", kSignature, kBody, 1531420618 + 300).empty());

  CHECK(verify_error("1531420618", kSignature, kBody + "------", 1531420618).find("does not match") != std::string::npos);
  CHECK(verify_error("1531420618", kSignature, kBody, 1531420618 + 301).find("5 minutes") != std::string::npos);
  CHECK(verify_error("1531420618", kSignature, kBody, 1531420618 - 301).find("5 minutes") != std::string::npos);
  CHECK(verify_error(std::nullopt, kSignature, kBody, 1531420618).find("Timestamp") != std::string::npos);
  CHECK(verify_error("1531420618", std::nullopt, kBody, 1531420618).find("Signature") != std::string::npos);
  CHECK(verify_error("15314206x8", kSignature, kBody, 1531420618).find("not a Unix time") != std::string::npos);
  CHECK(verify_error("1531420619", kSignature, kBody, 1531420618).find("does not match") != std::string::npos);
  CHECK(verify_error("1531420618", "v1=" + kSignature.substr(3), kBody, 1531420618).find("v0") != std::string::npos);
  CHECK(verify_error("1531420618", kSignature.substr(0, 66), kBody, 1531420618).find("v0") != std::string::npos);
  // A real clock is years past the example: stale.
  CHECK(!verify_error("1531420618", kSignature, kBody, default_clock().now()).empty());
}

TEST_CASE("form bodies decode with '+' as space and strict percent-encoding", "[slack][form]") {
  auto fields = http::decode_form("text=top+5+last%207d&empty=&flag&a%2Bb=c%26d");
  CHECK(*http::form_value(fields, "text") == "top 5 last 7d");
  CHECK(*http::form_value(fields, "empty") == "");
  CHECK(*http::form_value(fields, "flag") == "");
  CHECK(*http::form_value(fields, "a+b") == "c&d");
  CHECK(http::decode_form("").empty());
  CHECK_THROWS_AS(http::decode_form("a=%zz"), Error);
  CHECK_THROWS_AS(http::decode_form("a=b c"), Error);
  CHECK(http::decode_form(http::encode_form({{"text", "a b&c=d/é"}})).at(0).second == "a b&c=d/é");
  // Found by fuzz_form_decoder: input that is not NUL-terminated must not be read past its end
  // (an exact-size heap buffer, so ASan sees any overread).
  for (std::string text : {"a=%zz", "text=top+5", "x=%4"}) {
    std::unique_ptr<char[]> exact(new char[text.size()]);
    std::memcpy(exact.get(), text.data(), text.size());
    std::string_view view(exact.get(), text.size());
    try {
      http::decode_form(view);
    } catch (const Error&) {
    }
  }
}

TEST_CASE("slash command, event and interaction payloads parse into plain values", "[slack]") {
  auto c = slack::parse_slash_command(kBody);
  CHECK(c.command == "/webhook-collect");
  CHECK(c.user_id == "U2CERLKJA");
  CHECK(c.response_url == "https://hooks.slack.com/commands/T1DC2JH3J/397700885554/96rGlfmibIGlgcZRskXaIFfN");
  CHECK_THROWS_AS(slack::parse_slash_command("text=hi"), Error);

  auto e = slack::parse_event_envelope(
      R"({"type":"event_callback","event_id":"Ev1","team_id":"T1","event":{"type":"app_mention","user":"U1","text":"<@U0BOT> top 5","channel":"C1","ts":"1.2"}})");
  auto m = slack::message_for_bot(e.event);
  REQUIRE(m);
  CHECK(m->text == "top 5");
  CHECK(m->thread_ts == "1.2");
  auto bot = slack::parse_event_envelope(
      R"({"type":"event_callback","event_id":"Ev2","event":{"type":"message","channel_type":"im","bot_id":"B1","user":"U1","text":"hi","channel":"D1"}})");
  CHECK_FALSE(slack::message_for_bot(bot.event));
  CHECK_THROWS_AS(slack::parse_event_envelope("{not json"), Error);
  CHECK_THROWS_AS(slack::parse_event_envelope(R"({"type":"event_callback"})"), Error);
  CHECK(slack::parse_event_envelope(R"({"type":"url_verification","challenge":"abc"})").challenge == "abc");

  auto i = slack::parse_interaction(testing::interaction_body(
      R"({"type":"block_actions","user":{"id":"U9","name":"dana"},"team":{"id":"T1"},"trigger_id":"t.1","response_url":"https://hooks/x",)"
      R"("container":{"type":"message","message_ts":"111.222","channel_id":"C7","is_ephemeral":false},"message":{"ts":"111.222","text":"Stop idle instances"},)"
      R"("actions":[{"action_id":"costbot.approve:approval:42","value":"approval:42","type":"button"},{"action_id":"other","value":"x"}]})"));
  REQUIRE(i.actions.size() == 1);
  CHECK(i.actions[0].verb == chat::ActionVerb::approve);
  CHECK(i.actions[0].subject == "approval:42");
  CHECK(i.actions[0].actor.name == "dana");
  CHECK(i.actions[0].message.channel == "C7");
  CHECK(i.actions[0].message.message_id == "111.222");
  CHECK(i.actions[0].message.text == "Stop idle instances");
  CHECK(i.ignored_action_ids == std::vector<std::string>{"other"});
  CHECK_THROWS_AS(slack::parse_interaction("payload=%7Bnot"), Error);
  CHECK_THROWS_AS(slack::parse_interaction("nopayload=1"), Error);
  CHECK_THROWS_AS(slack::parse_interaction_payload(R"({"type":"block_actions","actions":[]})"), Error);  // no user
  CHECK_THROWS_AS(slack::parse_interaction_payload(
                      R"({"type":"block_actions","user":{"id":"U1"},"actions":[{"action_id":"costbot.explode:x","value":"x"}]})"),
                  Error);
}
