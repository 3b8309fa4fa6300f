#pragma once
// How a channel writes a message's facts, and the one template renderer every channel uses.
//
// Facts are unescaped. Each channel supplies a TextStyle (Slack: its escaping and <@U1> mentions;
// Teams, web, email: plain text) and styled() applies it:
//   - every string is escaped, except under keys ending in "url" or starting with "raw_";
//   - a person is written as an id, and gets the channel's way of naming them next to it:
//       {"user": "U1"}              → "name" (and "mention")
//       "requester_user": "U1"      → "requester_name" (and "requester_mention")
//       "people_users": ["U1","U2"] → "people_names" (", "-joined) and "people_mentions" (" "-joined)
//     The service's own pseudo-users read the same everywhere ("system": costbot (SLA escalation)).
#include <boost/json.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "engine/messages/message.hpp"
#include "engine/render/templates.hpp"

namespace costbot::messages {

struct TextStyle {
  std::string (*escape)(std::string_view text) = nullptr;  // nullptr: as is
  std::string (*person)(std::string_view id) = nullptr;    // nullptr: the id
  std::string (*mention)(std::string_view id) = nullptr;   // nullptr: "@" + id
};
const TextStyle& plain_style();

// "system" → "costbot (SLA escalation)", "costbot" → "costbot"; nullopt for a person.
std::optional<std::string> service_person(std::string_view id);

boost::json::value styled(const boost::json::value& facts, const TextStyle& style);

struct Rendered {
  std::string template_path;  // relative to the templates root
  boost::json::value json;    // slack: a chat.postMessage body {text, blocks}; teams: an Adaptive Card; jira: ADF
  std::string text;           // web and email: the text; slack: the fallback text
  std::string email_subject;  // email: from the template's "Subject:" line
};

// The template of a message for a channel: templates/<channel>/<template_key>.json (slack, teams,
// jira) or .txt (web, email).
std::string template_path(std::string_view channel, const std::string& template_key);
// Renders templates/<channel>/<template_key> with the styled facts. Throws Error(not_found) naming
// the template when it is missing, Error(internal) when it renders invalid output.
Rendered render_template(const render::Templates& templates, std::string_view channel, const Message& message,
                         const TextStyle& style);

}  // namespace costbot::messages
