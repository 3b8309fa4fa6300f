#pragma once
// The Teams renderer of the one message model: a messages::Message as a Bot Framework message
// activity (the delivery handler adds the conversation, serviceUrl and reply-to). Template messages
// render templates/teams/<template_key>.json (an Adaptive Card) with the facts as plain text (link
// syntax broken: see card_plain_text); a
// chat::Reply is drawn by adaptive_card.hpp.
#include <boost/json.hpp>

#include "engine/messages/message.hpp"
#include "engine/messages/style.hpp"
#include "engine/render/templates.hpp"

namespace costbot::teams {

const messages::TextStyle& text_style();
// `edit`: it replaces a card (always a card, even for a plain reply).
boost::json::object render_message_activity(const render::Templates& templates, const messages::Message& message,
                                            bool edit = false);

}  // namespace costbot::teams
