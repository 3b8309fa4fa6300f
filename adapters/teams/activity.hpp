#pragma once
// Bot Framework activities as Teams sends them, translated into plain structs and channel-neutral
// ChatActions. The parser trusts no field's presence or type; malformed input throws
// costbot::Error(invalid_input) with a reason.
#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/chat/action.hpp"

namespace costbot::teams {

struct ChannelAccount {
  std::string id;             // 29:... (user), 28:<app id> (bot)
  std::string name;
  std::string aad_object_id;  // the Azure AD (Entra ID) object id of a person
};

struct ConversationAccount {
  std::string id;
  std::string name;
  std::string conversation_type;  // personal, groupChat, channel
  std::string tenant_id;
};

struct Activity {
  std::string type;  // message, invoke, conversationUpdate, installationUpdate, ...
  std::string id;
  std::string timestamp;
  std::string service_url;
  std::string channel_id;  // "msteams"
  ChannelAccount from;
  ChannelAccount recipient;
  ConversationAccount conversation;
  std::string text;
  std::string reply_to_id;
  std::string name;    // invoke name ("adaptiveCard/action")
  std::string action;  // installationUpdate: add / remove
  boost::json::value value;  // Action.Submit data (message) or the invoke's value
  std::string tenant_id;     // channelData.tenant.id, else conversation.tenantId
  std::string team_id, team_name, channel_data_channel_id, channel_name;  // channelData.team / channel
  std::vector<ChannelAccount> members_added, members_removed;

  // A person wrote something to the bot (not a card submit, not another bot).
  bool is_text_message() const;
  // The bot itself joined (membersAdded) or the app was installed here.
  bool bot_added() const;
  bool bot_removed() const;
};

// Parses one activity (JSON). Bot Framework activities (strict) need type, serviceUrl and
// conversation.id, and messages and invokes from.id; an Outgoing Webhook's only needs its type.
Activity parse_activity(std::string_view json, bool strict = true);

// "<at>costbot</at> top 5 by service 7d" → "top 5 by service 7d": every <at>…</at> mention removed,
// other markup dropped, the usual HTML entities decoded, white space collapsed.
std::string strip_mentions(std::string_view text);

// Card buttons: Action.Execute verb "costbot.approve" (etc.) with data {costbot_verb, subject,
// summary}; Action.Submit carries the same data. Reasons come from the input "reason:<subject>"
// (or "reason"). The approval cards of templates/teams/approver use {costbot_action:
// "approval.approve"|"approval.reject", request_id, stage} with input "reason".
constexpr std::string_view kVerbPrefix = "costbot.";
constexpr std::string_view kReasonInputPrefix = "reason:";

struct CardAction {
  chat::ChatAction action;
  std::optional<std::int64_t> stage;  // approval cards name the stage the buttons were drawn for
  bool invoke = false;                // adaptiveCard/action: answer with an invoke response
};

// The costbot click an activity carries: an adaptiveCard/action invoke or a message whose value
// holds costbot data. nullopt for anything else (including clicks on other apps' cards). Throws
// Error(invalid_input) when costbot data is malformed (unknown verb, no subject).
std::optional<CardAction> card_action(const Activity& activity);

// A channel conversation as Teams names it inside a thread, "19:abc@thread.tacv2;messageid=123",
// without the thread part: the channel, as a proactive post names it and message_copies records it.
std::string base_conversation_id(std::string_view conversation_id);

// The user id costbot records for a person: the Azure AD object id when Teams sends one (stable
// across apps, what admins see), else the Teams user id (29:...).
std::string user_id_of(const ChannelAccount& account);

}  // namespace costbot::teams
