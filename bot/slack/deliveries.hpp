#pragma once
#include <memory>
#include <string>

#include "adapters/slack/web_api.hpp"
#include "bot/outbox/worker.hpp"

namespace costbot::slack_app {

// Registers the slack.* delivery handlers. Without a bot token only slack.response_url is served.
void register_deliveries(outbox::Worker& worker, const std::shared_ptr<slack::WebApi>& api,
                         const std::string& default_channel, bool web_api_enabled);

}  // namespace costbot::slack_app
