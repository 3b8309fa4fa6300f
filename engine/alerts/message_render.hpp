#pragma once
// Persona messages: which template a persona's message uses and what facts it carries. A message
// is rendered by each channel at delivery (engine/messages/style.hpp, the channels' renderers in
// adapters/): templates/<channel>/<template set>/<event>.<ext>, where the template set is the
// persona's `templates` (its own name for the built-ins). Channels and what their templates produce:
//   slack  .json  a chat.postMessage body: {"text", "blocks"} (Block Kit)
//   teams  .json  an Adaptive Card (sent inside a message activity)
//   email  .txt   "Subject: ..." on the first line, a blank line, then the plain-text body
//   jira   .json  an ADF document (a ticket description)
//   web    .txt   plain text for the local web channel's feed
// Events: anomaly, waste, budget (one finding), group (many at once), digest, escalation.
//
// Facts are unescaped: each channel escapes them (Slack mrkdwn: & < >), except URLs (keys ending
// in "url") and values the caller marks as pre-formatted ("raw_*" keys).
#include <boost/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/config/config.hpp"
#include "engine/messages/message.hpp"
#include "engine/render/templates.hpp"

namespace costbot::alerts {

enum class Channel { slack, teams, email, jira, web };
std::optional<Channel> parse_channel(std::string_view name);
std::string_view to_string(Channel c);
const std::vector<std::string>& channel_names();
const std::vector<std::string>& event_names();  // anomaly, waste, budget, group, digest, escalation

class MessageRenderer {
 public:
  MessageRenderer(const render::Templates& templates, const config::Config& config) : templates_(templates), config_(config) {}

  // "cfo/anomaly": the persona's template set and the event.
  std::string template_key(const config::PersonaConfig& persona, const std::string& event) const;
  // "slack/cfo/anomaly.json" (relative to the templates root).
  std::string template_path(const config::PersonaConfig& persona, Channel channel, const std::string& event) const;
  // The persona's message about `subject`: the facts plus the persona ({name, description}).
  // Throws costbot::Error(not_found) naming the template when the channel has none for it.
  messages::Message message(const config::PersonaConfig& persona, Channel channel, const std::string& event,
                            const std::string& subject, const boost::json::object& facts, std::int64_t version) const;

  const render::Templates& templates() const { return templates_; }
  const config::Config& config() const { return config_; }

 private:
  const render::Templates& templates_;
  const config::Config& config_;
};

}  // namespace costbot::alerts
