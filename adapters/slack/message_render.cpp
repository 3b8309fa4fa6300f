#include "adapters/slack/message_render.hpp"

#include "adapters/slack/block_kit.hpp"

namespace costbot::slack {
namespace {

std::string escape_for_slack(std::string_view text) { return escape_mrkdwn(text); }
std::string slack_mention(std::string_view id) { return "<@" + escape_mrkdwn(id) + ">"; }

}  // namespace

const messages::TextStyle& text_style() {
  static const messages::TextStyle style{escape_for_slack, slack_mention, slack_mention};
  return style;
}

boost::json::object render_body(const render::Templates& templates, const messages::Message& message) {
  if (message.is_reply()) return render_message(messages::reply_of(message));
  auto rendered = messages::render_template(templates, "slack", message, text_style());
  return rendered.json.is_object() ? rendered.json.as_object() : boost::json::object{};
}

}  // namespace costbot::slack
