#pragma once
#include <memory>
#include <string>
#include <string_view>

#include "adapters/slack/web_api.hpp"
#include "bot/outbox/worker.hpp"
#include "engine/render/templates.hpp"

namespace costbot::slack_app {

// Opens the reject-reason modal (payload {trigger_id, view}): Slack's own effect.
constexpr std::string_view kViewsOpenKind = "slack.views_open";

// Registers the Slack delivery handlers: slack.post, slack.update, slack.reply (engine/messages)
// and slack.views_open. Without a bot token only replies through response_url are served.
void register_deliveries(outbox::Worker& worker, const std::shared_ptr<slack::WebApi>& api,
                         std::shared_ptr<const render::Templates> templates, const std::string& default_channel,
                         bool web_api_enabled);

}  // namespace costbot::slack_app
