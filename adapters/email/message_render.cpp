#include "adapters/email/message_render.hpp"

#include "engine/messages/style.hpp"

namespace costbot::email {

Message render_email(const render::Templates& templates, const messages::Email& email) {
  Message m;
  m.to = email.to;
  if (email.message.is_reply()) {
    auto reply = messages::reply_of(email.message);
    m.subject = reply.title.empty() ? reply.summary() : reply.title;
    for (const auto& block : reply.blocks)
      if (const auto* t = std::get_if<chat::TextBlock>(&block)) m.text += t->text + "\n";
    return m;
  }
  auto rendered = messages::render_template(templates, "email", email.message, messages::plain_style());
  m.subject = rendered.email_subject;
  m.text = rendered.text;
  return m;
}

}  // namespace costbot::email
