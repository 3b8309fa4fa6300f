#include "adapters/teams/message_render.hpp"

#include "adapters/teams/adaptive_card.hpp"

namespace costbot::teams {

// Facts are plain text, but Teams reads card text as Markdown: no hidden links from data (a
// finding's summary, a rejection reason).
const messages::TextStyle& text_style() {
  static const messages::TextStyle style{&card_plain_text, nullptr, nullptr};
  return style;
}

boost::json::object render_message_activity(const render::Templates& templates, const messages::Message& message,
                                            bool edit) {
  if (message.is_reply()) {
    auto reply = messages::reply_of(message);
    return edit ? card_activity(render_card(reply), reply.summary()) : render_activity(reply);
  }
  auto rendered = messages::render_template(templates, "teams", message, text_style());
  return card_activity(rendered.json.is_object() ? rendered.json.as_object() : boost::json::object{});
}

}  // namespace costbot::teams
