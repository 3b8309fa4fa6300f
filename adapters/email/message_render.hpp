#pragma once
// The email renderer of the one message model: templates/email/<template_key>.txt ("Subject:" on
// the first line, a blank line, the plain text) with the facts as plain text; a chat::Reply as its
// title and text.
#include "adapters/email/smtp_client.hpp"
#include "engine/messages/message.hpp"
#include "engine/render/templates.hpp"

namespace costbot::email {

Message render_email(const render::Templates& templates, const messages::Email& email);

}  // namespace costbot::email
