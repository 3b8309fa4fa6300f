#pragma once
// Slack's inbound payloads, translated into plain structs and channel-neutral ChatActions. Every
// parser throws costbot::Error(invalid_input) with a reason on malformed input; none trusts a
// field's presence or type.
#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/chat/action.hpp"

namespace costbot::slack {

// A slash command POST (application/x-www-form-urlencoded).
struct SlashCommand {
  std::string command;  // "/cost"
  std::string text;     // what follows the command
  std::string user_id, user_name;
  std::string channel_id, channel_name;
  std::string team_id, enterprise_id, api_app_id;
  std::string response_url;
  std::string trigger_id;
};
SlashCommand parse_slash_command(std::string_view form_body);
// The same from a Socket Mode envelope's payload (a JSON object with the form's field names).
SlashCommand slash_command_from_json(const boost::json::value& payload);

// An Events API POST (JSON).
struct Event {
  std::string type;        // "app_mention", "message", ...
  std::string subtype;     // message subtypes ("bot_message", "message_changed", ...)
  std::string user;
  std::string bot_id;
  std::string text;
  std::string channel;
  std::string channel_type;  // "im", "channel", ...
  std::string ts;
  std::string thread_ts;
};
struct EventEnvelope {
  std::string type;       // "url_verification" or "event_callback"
  std::string challenge;  // url_verification
  std::string event_id;   // "Ev..."
  std::string team_id;
  std::string api_app_id;
  Event event;
};
EventEnvelope parse_event_envelope(std::string_view json_body);

// A message someone wrote to the bot: an @mention, or a direct message from a person (never a
// bot, never an edit), with the mention stripped. nullopt for everything else.
struct ChatMessage {
  std::string text;
  std::string user;
  std::string channel;
  std::string thread_ts;  // reply in this thread
  bool direct = false;
};
std::optional<ChatMessage> message_for_bot(const Event& event);
// "<@U0BOT> top 5" → "top 5" (every leading mention).
std::string strip_mentions(std::string_view text);

// Button ids: "costbot.approve:approval:42" — the verb and the subject travel with the click.
constexpr std::string_view kActionPrefix = "costbot.";
constexpr std::string_view kRejectReasonCallback = "costbot.reject_reason";
constexpr std::string_view kReasonBlock = "reason";
constexpr std::string_view kReasonInput = "reason_text";

// An interactivity POST (form with one field, payload=<JSON>).
struct Interaction {
  std::string type;  // "block_actions", "view_submission", or another type we ignore
  std::vector<chat::ChatAction> actions;  // clicks on costbot buttons, and a submitted reject reason
  std::vector<std::string> ignored_action_ids;  // clicks on anything else
};
Interaction parse_interaction(std::string_view form_body);
// The JSON inside payload=, for the fuzzer and for tests.
Interaction parse_interaction_payload(std::string_view json);

}  // namespace costbot::slack
