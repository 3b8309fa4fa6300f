// `pagerduty:` (Events API v2 paging for critical alerts) and `email:` (SMTP, for digests and
// persona email targets). Both are optional: without a routing key or an SMTP URL, routing says
// so and skips those targets. Secrets and endpoints fall back to the environment names people
// already use (PAGERDUTY_ROUTING_KEY, PAGERDUTY_EVENTS_URL, SMTP_URL, SMTP_USERNAME, SMTP_PASSWORD).
#include <cstdlib>

#include "engine/config/sections.hpp"
#include "engine/util/strings.hpp"

namespace costbot::config {
namespace {

std::string env_or(const char* name, std::string fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : std::move(fallback);
}

bool http_url(const std::string& url) {
  return text::starts_with_icase(url, "http://") || text::starts_with_icase(url, "https://");
}

void read_pagerduty(Reader& root, PagerDutyConfig& c) {
  auto r = root.section("pagerduty");
  r.secret("routing_key", c.routing_key, "PAGERDUTY_ROUTING_KEY");
  if (!r.string("events_url", c.events_url)) c.events_url = env_or("PAGERDUTY_EVENTS_URL", c.events_url);
  if (!http_url(c.events_url))
    r.error("events_url", "expected an http(s) URL such as https://events.pagerduty.com/v2/enqueue, got \"" + c.events_url + "\"");
  r.choice("min_severity", c.min_severity, {"low", "medium", "high", "critical"});
  r.string("source", c.source);
  if (c.source.empty()) r.error("source", "must not be empty (PagerDuty requires payload.source)");
  r.finish();
}

void read_email(Reader& root, EmailConfig& c) {
  auto r = root.section("email");
  if (!r.string("smtp_url", c.smtp_url)) c.smtp_url = env_or("SMTP_URL", "");
  if (!c.smtp_url.empty() && !text::starts_with_icase(c.smtp_url, "smtp://") && !text::starts_with_icase(c.smtp_url, "smtps://"))
    r.error("smtp_url", "expected smtp://HOST:PORT (STARTTLS) or smtps://HOST:PORT (TLS), got \"" + c.smtp_url + "\"");
  r.choice("tls", c.tls, {"required", "opportunistic", "none"});
  if (!r.string("username", c.username)) c.username = env_or("SMTP_USERNAME", "");
  r.secret("password", c.password, "SMTP_PASSWORD");
  if (r.string("from", c.from) && c.from.find('@') == std::string::npos)
    r.error("from", "expected an address such as \"costbot <costbot@example.com>\"");
  if (r.duration("timeout", c.timeout) && c.timeout < 1) r.error("timeout", "must be at least 1 second");
  r.finish();
}

}  // namespace

void read_notify_section(Reader& root, Config& config) {
  read_pagerduty(root, config.pagerduty);
  read_email(root, config.email);
}

}  // namespace costbot::config
