#include "engine/alerts/message_render.hpp"

#include "engine/messages/style.hpp"
#include "engine/util/error.hpp"

namespace costbot::alerts {
namespace json = boost::json;

std::optional<Channel> parse_channel(std::string_view name) {
  if (name == "slack") return Channel::slack;
  if (name == "teams") return Channel::teams;
  if (name == "email") return Channel::email;
  if (name == "jira") return Channel::jira;
  if (name == "web") return Channel::web;
  return std::nullopt;
}

std::string_view to_string(Channel c) {
  switch (c) {
    case Channel::slack: return "slack";
    case Channel::teams: return "teams";
    case Channel::email: return "email";
    case Channel::jira: return "jira";
    case Channel::web: break;
  }
  return "web";
}

const std::vector<std::string>& channel_names() {
  static const std::vector<std::string> names{"slack", "teams", "email", "jira", "web"};
  return names;
}

const std::vector<std::string>& event_names() {
  static const std::vector<std::string> names{"anomaly", "waste", "budget", "group", "digest", "escalation"};
  return names;
}

std::string MessageRenderer::template_key(const config::PersonaConfig& persona, const std::string& event) const {
  const std::string& set = persona.templates.empty() ? persona.name : persona.templates;
  return set + "/" + event;
}

std::string MessageRenderer::template_path(const config::PersonaConfig& persona, Channel channel, const std::string& event) const {
  return messages::template_path(to_string(channel), template_key(persona, event));
}

messages::Message MessageRenderer::message(const config::PersonaConfig& persona, Channel channel, const std::string& event,
                                           const std::string& subject, const json::object& facts,
                                           std::int64_t version) const {
  auto path = template_path(persona, channel, event);
  if (!templates_.exists(path))
    throw Error(ErrorKind::not_found, "no template " + templates_.root() + "/" + path + " for persona " + persona.name +
                                          " (personas." + persona.name + ".templates names the template set)");
  json::object ctx = facts;
  ctx["persona"] = json::object{{"name", persona.name}, {"description", persona.description}};
  return messages::Message{subject, template_key(persona, event), std::move(ctx), version};
}

}  // namespace costbot::alerts
