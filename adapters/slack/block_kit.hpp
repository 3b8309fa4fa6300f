#pragma once
// Renders the channel-neutral chat::Reply as Slack Block Kit, within Slack's limits (50 blocks,
// 3000 chars per section, 10 fields, 25 buttons, 75-char button labels, ...): long content is
// split or shortened, never rejected by Slack. User text is escaped (&, <, >).
#include <boost/json.hpp>

#include <string>
#include <string_view>

#include "engine/chat/action.hpp"
#include "engine/chat/reply.hpp"

namespace costbot::slack {

// {"text": fallback, "blocks": [...]} — the body of chat.postMessage / chat.update / ephemeral.
boost::json::object render_message(const chat::Reply& reply);
// A slash-command answer or response_url post: adds response_type (and replace_original).
boost::json::object render_response(const chat::Reply& reply, bool replace_original = false);
// The modal Reject opens: asks for a reason; what it is about rides in private_metadata.
boost::json::object reject_reason_modal(const chat::ChatAction& action);

// "costbot.approve:approval:42"
std::string action_id_for(chat::ActionVerb verb, std::string_view subject);
std::string escape_mrkdwn(std::string_view text);

}  // namespace costbot::slack
