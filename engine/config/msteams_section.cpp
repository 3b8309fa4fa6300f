
#include "engine/config/sections.hpp"
#include "engine/util/hash.hpp"
#include "engine/util/strings.hpp"

namespace costbot::config {
namespace {

bool is_http_url(std::string_view url) {
  return text::starts_with_icase(url, "http://") || text::starts_with_icase(url, "https://");
}

// "smba.trafficmanager.net" or "*.teams.microsoft.com": a host name, optionally one leading wildcard label.
bool valid_host_pattern(std::string_view pattern) {
  if (pattern.starts_with("*.")) pattern.remove_prefix(2);
  if (pattern.empty() || pattern.size() > 253) return false;
  for (char c : pattern) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
              c == ':';  // ':' for IPv6 loopback in tests
    if (!ok) return false;
  }
  return true;
}

// A conversation reference as teams[].teams_conversation / approvals.teams_conversation write it:
// "webhook:NAME" must name an incoming webhook.
void check_reference(Reader& root, const MsTeamsConfig& c, const std::string& path, const std::string& ref) {
  if (!ref.starts_with("webhook:")) return;
  auto name = ref.substr(8);
  if (!c.find_incoming_webhook(name))
    root.issues().add(path, "\"" + ref + "\" names no msteams.incoming_webhooks entry" +
                                (c.incoming_webhooks.empty() ? std::string(" (there are none)") : std::string()));
}

}  // namespace

std::string MsTeamsConfig::effective_token_url() const {
  if (!token_url.empty()) return token_url;
  return "https://login.microsoftonline.com/" + (tenant_id.empty() ? std::string("botframework.com") : tenant_id) +
         "/oauth2/v2.0/token";
}

const TeamsConversationConfig* MsTeamsConfig::find_conversation(const std::string& name) const {
  for (const auto& c : conversations)
    if (c.name == name) return &c;
  return nullptr;
}

const TeamsIncomingWebhookConfig* MsTeamsConfig::find_incoming_webhook(const std::string& name) const {
  for (const auto& w : incoming_webhooks)
    if (w.name == name) return &w;
  return nullptr;
}

void read_msteams_section(Reader& root, Config& config) {
  auto& c = config.msteams;
  auto r = root.section("msteams");
  r.string_or_env("app_id", c.app_id, "TEAMS_APP_ID");
  r.secret("app_password", c.app_password, "TEAMS_APP_PASSWORD");
  r.string("tenant_id", c.tenant_id);
  r.string_or_env("openid_metadata_url", c.openid_metadata_url, "TEAMS_OPENID_METADATA_URL");
  if (!is_http_url(c.openid_metadata_url))
    r.error("openid_metadata_url", "expected an http(s) URL such as "
                                   "https://login.botframework.com/v1/.well-known/openidconfiguration");
  if (r.string("issuer", c.issuer) && c.issuer.empty()) r.error("issuer", "must not be empty");
  r.string_or_env("token_url", c.token_url, "TEAMS_TOKEN_URL");
  if (!c.token_url.empty() && !is_http_url(c.token_url))
    r.error("token_url", "expected an http(s) URL such as https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token");
  r.string("token_scope", c.token_scope);
  if (r.duration("clock_skew", c.clock_skew) && (c.clock_skew < 0 || c.clock_skew > 600))
    r.error("clock_skew", "must be 0..10m (Microsoft's SDKs allow 5 minutes)");
  if (r.strings("allowed_service_url_hosts", c.allowed_service_url_hosts)) {
    if (c.allowed_service_url_hosts.empty()) r.error("allowed_service_url_hosts", "must name at least one host");
    for (const auto& host : c.allowed_service_url_hosts)
      if (!valid_host_pattern(host))
        r.error("allowed_service_url_hosts", "\"" + host + "\" is not a host name or *.domain pattern");
  }
  if (r.string("default_service_url", c.default_service_url) && !is_http_url(c.default_service_url))
    r.error("default_service_url", "expected an http(s) URL such as https://smba.trafficmanager.net/teams/");
  if (r.secret("outgoing_webhook_secret", c.outgoing_webhook_secret, "TEAMS_OUTGOING_WEBHOOK_SECRET")) {
    std::string key;
    if (!hash::base64_decode(text::trim(c.outgoing_webhook_secret.reveal()), key) || key.empty())
      r.error("outgoing_webhook_secret", "is not base64: give the security token exactly as Teams showed it (" +
                                             c.outgoing_webhook_secret.source() + ")");
  }
  r.named("incoming_webhooks", [&](const std::string& name, Reader& w) {
    TeamsIncomingWebhookConfig hook;
    hook.name = name;
    if (!w.secret("url", hook.url)) {
      if (!w.has("url")) w.error("url", "missing required key (the webhook URL, as {env: NAME} or {file: PATH})");
      return;
    }
    if (!is_http_url(hook.url.reveal())) w.error("url", "expected an http(s) URL (the secret's value is not shown)");
    c.incoming_webhooks.push_back(std::move(hook));
  });
  r.named("conversations", [&](const std::string& name, Reader& w) {
    TeamsConversationConfig conv;
    conv.name = name;
    if (!w.string("id", conv.id, true)) return;
    if (conv.id.empty()) w.error("id", "must not be empty");
    if (w.string("service_url", conv.service_url) && !conv.service_url.empty() && !is_http_url(conv.service_url))
      w.error("service_url", "expected an http(s) URL such as https://smba.trafficmanager.net/emea/");
    w.string("tenant_id", conv.tenant_id);
    c.conversations.push_back(std::move(conv));
  });
  if (r.integer("webhook_ack_budget_ms", c.webhook_ack_budget_ms) &&
      (c.webhook_ack_budget_ms < 0 || c.webhook_ack_budget_ms > 4500))
    r.error("webhook_ack_budget_ms", "must be 0..4500 (Teams waits 5 s for an outgoing webhook's answer)");
  if (r.duration("activity_dedupe_ttl", c.activity_dedupe_ttl) && c.activity_dedupe_ttl < 3600)
    r.error("activity_dedupe_ttl", "must be at least 1h");
  r.boolean("welcome", c.welcome);
  r.finish();

  for (std::size_t i = 0; i < config.teams.size(); ++i)
    check_reference(root, c, "teams[" + std::to_string(i) + "].teams_conversation", config.teams[i].teams_conversation);
  check_reference(root, c, "approvals.teams_conversation", config.approvals.teams_conversation);
}

}  // namespace costbot::config
