#pragma once
// The Slack renderer of the one message model: a messages::Message as the body of
// chat.postMessage / chat.update ({"text", "blocks"}; the delivery handler adds channel, ts,
// thread_ts). Template messages render templates/slack/<template_key>.json with the facts in
// Slack's text style (mrkdwn escaping of & < >, people as <@U1> mentions); a chat::Reply is drawn
// as Block Kit (block_kit.hpp).
#include <boost/json.hpp>

#include "engine/messages/message.hpp"
#include "engine/messages/style.hpp"
#include "engine/render/templates.hpp"

namespace costbot::slack {

const messages::TextStyle& text_style();
boost::json::object render_body(const render::Templates& templates, const messages::Message& message);

}  // namespace costbot::slack
