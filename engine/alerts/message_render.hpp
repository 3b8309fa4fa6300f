#pragma once
// Persona messages from templates: templates/<channel>/<template set>/<event>.<ext>, where the
// template set is the persona's `templates` (its own name for the built-ins). Channels and what
// their templates produce:
//   slack  .json  a chat.postMessage body: {"text", "blocks"} (Block Kit)
//   teams  .json  an Adaptive Card (sent inside a message activity)
//   email  .txt   "Subject: ..." on the first line, a blank line, then the plain-text body
//   jira   .json  an ADF document (a ticket description)
//   web    .txt   plain text for the local web channel's feed
// Events: anomaly, waste, budget (one finding), group (many at once), digest, escalation.
//
// Values are escaped for the channel before the template sees them (Slack mrkdwn: & < >), except
// URLs (keys ending in "url") and values the caller marks as pre-formatted ("raw_*" keys).
#include <boost/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/config/config.hpp"
#include "engine/render/templates.hpp"

namespace costbot::alerts {

enum class Channel { slack, teams, email, jira, web };
std::optional<Channel> parse_channel(std::string_view name);
std::string_view to_string(Channel c);
const std::vector<std::string>& channel_names();
const std::vector<std::string>& event_names();  // anomaly, waste, budget, group, digest, escalation
std::string template_extension(Channel c);       // ".json" / ".txt"

// Slack mrkdwn control characters escaped (https://api.slack.com/reference/surfaces/formatting#escaping).
std::string slack_escape(std::string_view s);
// A copy of `view` with every string escaped for `channel` (URLs and raw_* keys left alone).
boost::json::value styled(const boost::json::value& view, Channel channel);

struct RenderedMessage {
  Channel channel = Channel::web;
  std::string persona, event, template_path;
  boost::json::value json;    // slack: the message body; teams: the card; jira: the ADF document
  std::string text;           // email: the body; web: the text; slack: the fallback text
  std::string email_subject;  // email only
};

class MessageRenderer {
 public:
  MessageRenderer(const render::Templates& templates, const config::Config& config) : templates_(templates), config_(config) {}

  // "slack/cfo/anomaly.json" (relative to the templates root).
  std::string template_path(const config::PersonaConfig& persona, Channel channel, const std::string& event) const;
  // Renders `context` (unescaped facts; styled here for the channel). Throws costbot::Error naming
  // the template when it is missing or renders invalid output.
  RenderedMessage render(const config::PersonaConfig& persona, Channel channel, const std::string& event,
                         const boost::json::object& context) const;

  const render::Templates& templates() const { return templates_; }
  const config::Config& config() const { return config_; }

 private:
  const render::Templates& templates_;
  const config::Config& config_;
};

// The Teams message activity carrying a card (the payload shape of teams.* effects).
boost::json::object teams_activity(const boost::json::value& card, const std::string& summary);

}  // namespace costbot::alerts
