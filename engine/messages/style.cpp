#include "engine/messages/style.hpp"

#include "engine/util/error.hpp"
#include "engine/util/strings.hpp"

namespace costbot::messages {
namespace json = boost::json;
namespace {

std::string plain_mention(std::string_view id) { return "@" + std::string(id); }

std::string person_text(const TextStyle& style, std::string_view id) {
  if (auto service = service_person(id)) return *service;
  return style.person ? style.person(id) : std::string(id);
}

std::string mention_text(const TextStyle& style, std::string_view id) {
  if (auto service = service_person(id)) return *service;
  return style.mention ? style.mention(id) : plain_mention(id);
}

bool keep_unescaped(std::string_view key) { return key.ends_with("url") || key.starts_with("raw_"); }

json::value style_facts_value(const json::value& v, const TextStyle& style, bool raw);

json::object style_facts_object(const json::object& in, const TextStyle& style, bool raw) {
  json::object out;
  for (const auto& entry : in)
    out[entry.key()] = style_facts_value(entry.value(), style, raw || keep_unescaped(std::string_view(entry.key())));
  // People: added after escaping, so a mention's markup is not escaped again.
  for (const auto& entry : in) {
    const std::string_view key(entry.key());
    const json::value& item = entry.value();
    if (key == "user" && item.is_string()) {
      out["name"] = person_text(style, std::string_view(item.get_string()));
      out["mention"] = mention_text(style, std::string_view(item.get_string()));
    } else if (key.ends_with("_user") && item.is_string()) {
      std::string base(key.substr(0, key.size() - 5));
      out[base + "_name"] = person_text(style, std::string_view(item.get_string()));
      out[base + "_mention"] = mention_text(style, std::string_view(item.get_string()));
    } else if (key.ends_with("_users") && item.is_array()) {
      std::string base(key.substr(0, key.size() - 6));
      std::string names, mentions;
      for (const auto& id : item.get_array()) {
        if (!id.is_string()) continue;
        names += (names.empty() ? "" : ", ") + person_text(style, std::string_view(id.get_string()));
        mentions += (mentions.empty() ? "" : " ") + mention_text(style, std::string_view(id.get_string()));
      }
      if (!names.empty()) {  // left out when empty, so {{#x_names}} sections skip it
        out[base + "_names"] = names;
        out[base + "_mentions"] = mentions;
      }
    }
  }
  return out;
}

json::value style_facts_value(const json::value& v, const TextStyle& style, bool raw) {
  switch (v.kind()) {
    case json::kind::object: return style_facts_object(v.get_object(), style, raw);
    case json::kind::array: {
      json::array out;
      for (const auto& item : v.get_array()) out.push_back(style_facts_value(item, style, raw));
      return out;
    }
    case json::kind::string:
      if (raw || !style.escape) return v;
      return json::value(style.escape(std::string_view(v.get_string())));
    default: return v;
  }
}

// Collapses runs of blank lines left by sections that rendered nothing, and trims the ends.
std::string tidy_rendered_text(const std::string& s) {
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

const TextStyle& plain_style() {
  static const TextStyle style{};
  return style;
}

std::optional<std::string> service_person(std::string_view id) {
  if (id == "system") return std::string("costbot (SLA escalation)");
  if (id == "costbot") return std::string("costbot");
  return std::nullopt;
}

json::value styled(const json::value& facts, const TextStyle& style) { return style_facts_value(facts, style, false); }

std::string template_path(std::string_view channel, const std::string& template_key) {
  const bool json_channel = channel == "slack" || channel == "teams" || channel == "jira";
  return std::string(channel) + "/" + template_key + (json_channel ? ".json" : ".txt");
}

Rendered render_template(const render::Templates& templates, std::string_view channel, const Message& message,
                         const TextStyle& style) {
  Rendered r;
  r.template_path = template_path(channel, message.template_key);
  if (!templates.exists(r.template_path))
    throw Error(ErrorKind::not_found, "no template " + templates.root() + "/" + r.template_path + " for " +
                                          (message.subject.empty() ? std::string("a message") : message.subject));
  auto view = styled(message.facts, style);
  if (channel == "slack" || channel == "teams" || channel == "jira") {
    r.json = templates.render_json(r.template_path, view);
    if (channel == "slack" && r.json.is_object())
      if (auto* t = r.json.as_object().if_contains("text"); t && t->is_string()) r.text = std::string(t->as_string());
    return r;
  }
  auto rendered = templates.render(r.template_path, view);
  if (channel == "email") {
    auto end_of_line = rendered.find('\n');
    std::string first = rendered.substr(0, end_of_line);
    if (!text::starts_with_icase(first, "Subject:"))
      throw Error(ErrorKind::internal, "template " + r.template_path + " must start with a \"Subject: ...\" line");
    r.email_subject = std::string(text::trim(first.substr(8)));
    // A subject is one line: no header injection through a value with a newline in it.
    for (char& c : r.email_subject)
      if (c == '\r' || c == '\n') c = ' ';
    r.text = tidy_rendered_text(end_of_line == std::string::npos ? "" : rendered.substr(end_of_line + 1));
    return r;
  }
  r.text = tidy_rendered_text(rendered);
  return r;
}

}  // namespace costbot::messages
