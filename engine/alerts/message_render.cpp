#include "engine/alerts/message_render.hpp"

#include "engine/util/error.hpp"
#include "engine/util/strings.hpp"

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

std::string template_extension(Channel c) {
  return c == Channel::slack || c == Channel::teams || c == Channel::jira ? ".json" : ".txt";
}

std::string slack_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

namespace {

bool keep_as_is(std::string_view key) {
  return key.ends_with("url") || key.starts_with("raw_");
}

json::value style_value(const json::value& v, Channel channel, bool raw) {
  switch (v.kind()) {
    case json::kind::object: {
      json::object out;
      for (const auto& [k, item] : v.get_object()) out[k] = style_value(item, channel, raw || keep_as_is(k));
      return out;
    }
    case json::kind::array: {
      json::array out;
      for (const auto& item : v.get_array()) out.push_back(style_value(item, channel, raw));
      return out;
    }
    case json::kind::string:
      if (raw || channel != Channel::slack) return v;
      return json::value(slack_escape(v.get_string()));
    default: return v;
  }
}

// Collapses runs of blank lines left by sections that rendered nothing, and trims the ends.
std::string tidy_text(const std::string& s) {
  std::string out;
  int newlines = 0;
  for (char c : s) {
    if (c == '\n') {
      if (++newlines <= 2) out.push_back(c);
      continue;
    }
    newlines = 0;
    out.push_back(c);
  }
  auto first = out.find_first_not_of("\n ");
  if (first == std::string::npos) return {};
  auto last = out.find_last_not_of("\n ");
  return out.substr(first, last - first + 1) + "\n";
}

}  // namespace

json::value styled(const json::value& view, Channel channel) { return style_value(view, channel, false); }

std::string MessageRenderer::template_path(const config::PersonaConfig& persona, Channel channel, const std::string& event) const {
  const std::string& set = persona.templates.empty() ? persona.name : persona.templates;
  return std::string(to_string(channel)) + "/" + set + "/" + event + template_extension(channel);
}

RenderedMessage MessageRenderer::render(const config::PersonaConfig& persona, Channel channel, const std::string& event,
                                        const json::object& context) const {
  RenderedMessage m;
  m.channel = channel;
  m.persona = persona.name;
  m.event = event;
  m.template_path = template_path(persona, channel, event);
  if (!templates_.exists(m.template_path))
    throw Error(ErrorKind::not_found, "no template " + templates_.root() + "/" + m.template_path + " for persona " + persona.name +
                                          " (personas." + persona.name + ".templates names the template set)");
  json::object ctx = context;
  ctx["persona"] = json::object{{"name", persona.name}, {"description", persona.description}};
  auto view = styled(ctx, channel);
  switch (channel) {
    case Channel::slack:
    case Channel::teams:
    case Channel::jira: {
      m.json = templates_.render_json(m.template_path, view);
      if (channel == Channel::slack && m.json.is_object())
        if (auto* t = m.json.as_object().if_contains("text"); t && t->is_string()) m.text = std::string(t->as_string());
      break;
    }
    case Channel::email: {
      auto rendered = templates_.render(m.template_path, view);
      auto end_of_line = rendered.find('\n');
      std::string first = rendered.substr(0, end_of_line);
      if (!text::starts_with_icase(first, "Subject:"))
        throw Error(ErrorKind::internal, "template " + m.template_path + " must start with a \"Subject: ...\" line");
      m.email_subject = std::string(text::trim(first.substr(8)));
      // A subject is one line: no header injection through a value with a newline in it.
      for (char& c : m.email_subject)
        if (c == '\r' || c == '\n') c = ' ';
      m.text = tidy_text(end_of_line == std::string::npos ? "" : rendered.substr(end_of_line + 1));
      break;
    }
    case Channel::web: m.text = tidy_text(templates_.render(m.template_path, view)); break;
  }
  return m;
}

json::object teams_activity(const json::value& card, const std::string& summary) {
  json::object activity{{"type", "message"},
                        {"attachments", json::array{{{"contentType", "application/vnd.microsoft.card.adaptive"}, {"content", card}}}}};
  if (!summary.empty()) activity["summary"] = summary;
  return activity;
}

}  // namespace costbot::alerts
