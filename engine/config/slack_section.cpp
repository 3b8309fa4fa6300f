#include <cstdlib>

#include "engine/config/sections.hpp"
#include "engine/util/strings.hpp"

namespace costbot::config {

void read_slack_section(Reader& root, Config& config) {
  auto& c = config.slack;
  auto r = root.section("slack");
  r.secret("signing_secret", c.signing_secret, "SLACK_SIGNING_SECRET");
  r.secret("bot_token", c.bot_token, "SLACK_BOT_TOKEN");
  // Config first, then the environment (tests point SLACK_API_URL at a loopback fake), then Slack.
  if (!r.string("api_url", c.api_url)) {
    if (const char* env = std::getenv("SLACK_API_URL"); env && *env) c.api_url = env;
  }
  if (!text::starts_with_icase(c.api_url, "http://") && !text::starts_with_icase(c.api_url, "https://"))
    r.error("api_url", "expected an http(s) URL such as https://slack.com/api, got \"" + c.api_url + "\"");
  if (r.string("command", c.command) && (c.command.size() < 2 || c.command.front() != '/'))
    r.error("command", "expected a slash command such as /cost");
  r.string("default_channel", c.default_channel);
  if (r.integer("ack_budget_ms", c.ack_budget_ms) && (c.ack_budget_ms < 0 || c.ack_budget_ms > 2800))
    r.error("ack_budget_ms", "must be 0..2800 (Slack waits 3000 ms for the answer)");
  if (r.duration("event_dedupe_ttl", c.event_dedupe_ttl) && c.event_dedupe_ttl < 3600)
    r.error("event_dedupe_ttl", "must be at least 1h (Slack retries for about 5 minutes, some deliveries later)");
  r.finish();
}

}  // namespace costbot::config
