#pragma once
// Replies every chat adapter sends around a command: the "working on it" ack for slow work and
// the apology for a failure (with the request id to quote, never the internal error).
#include <string>

#include "bot/commands/command.hpp"
#include "engine/chat/reply.hpp"

namespace costbot::commands {

chat::Reply working_on(const Command& command);
chat::Reply failure(const std::string& request_id);

// Query answers (top, team, anomalies, budget, forecast) are shown only to whoever asked, with a
// "Share to channel" button: cost figures reach a whole channel only when someone shares them.
// The button's subject is "command:" + the command's canonical text; a click runs it again as
// whoever clicked (their access applies) and posts that answer for everyone (shared_answer).
inline constexpr std::string_view kShareSubjectPrefix = "command:";
bool is_shareable_query(const Command& command);
// An answer the handler marked for the channel becomes private with the Share button; refusals
// and errors (already private) are left as they are.
chat::Reply private_answer(const Command& command, chat::Reply answer);
// True when `reply` carries the Share button (a real answer, not a refusal).
bool has_share_button(const chat::Reply& reply);
// The answer as posted for everyone: no Share button, "Shared by NAME" under it.
chat::Reply shared_answer(chat::Reply answer, const std::string& shared_by);
// In a conversation with only the bot and the asker (a Slack DM, a Teams personal chat) the answer
// is private already: a plain message that stays, with nothing to share into.
chat::Reply direct_answer(chat::Reply answer);

}  // namespace costbot::commands
