// `web:` — the local web channel (bot/web) and its sign-in (bot/auth).
#include <algorithm>
#include <cctype>

#include "engine/config/sections.hpp"
#include "engine/util/strings.hpp"

namespace costbot::config {
namespace {

bool valid_provider_name(const std::string& name) {
  if (name.empty() || name.size() > 32) return false;
  for (char c : name)
    if (!std::islower(static_cast<unsigned char>(c)) && !std::isdigit(static_cast<unsigned char>(c)) && c != '-')
      return false;
  return true;
}

void read_provider(const std::string& name, Reader& r, WebConfig& web) {
  OidcProviderConfig p;
  p.name = name;
  if (!valid_provider_name(name))
    r.issues().add(r.path(), "provider names use lower-case letters, digits and '-' (at most 32)");
  r.choice("type", p.type, {"slack", "entra", "oidc"});
  // Defaults per type: the issuer and the claim that is the identity approvals already use.
  if (p.type == "slack") {
    p.issuer = "https://slack.com";
    p.user_claim = "https://slack.com/user_id";
    p.label = "Sign in with Slack";
  } else if (p.type == "entra") {
    p.user_claim = "oid";  // the Entra object id = Teams' aadObjectId
    p.groups_claim = "groups";
    p.label = "Sign in with Microsoft";
  } else {
    p.label = "Sign in with " + name;
  }
  std::string tenant;
  r.string("tenant", tenant);
  if (p.type == "entra" && !tenant.empty()) p.issuer = "https://login.microsoftonline.com/" + tenant + "/v2.0";
  r.string("issuer", p.issuer, p.type == "oidc" || (p.type == "entra" && tenant.empty()));
  r.string("label", p.label);
  r.string("client_id", p.client_id, true);
  if (!r.secret("client_secret", p.client_secret))
    r.error("client_secret", "missing required key (a secret: {env: NAME} or {file: PATH})");
  r.strings("scopes", p.scopes);
  r.string("user_claim", p.user_claim);
  r.string("groups_claim", p.groups_claim);
  r.string("discovery_url", p.discovery_url);
  if (!p.issuer.empty() && !text::starts_with_icase(p.issuer, "https://") && !text::starts_with_icase(p.issuer, "http://"))
    r.issues().add(r.path_of("issuer"), "expected an https URL, got \"" + p.issuer + "\"");
  if (std::find(p.scopes.begin(), p.scopes.end(), "openid") == p.scopes.end())
    r.issues().add(r.path_of("scopes"), "must include openid");
  if (p.discovery_url.empty() && !p.issuer.empty()) {
    std::string base = p.issuer;
    while (!base.empty() && base.back() == '/') base.pop_back();
    p.discovery_url = base + "/.well-known/openid-configuration";
  }
  web.providers.push_back(std::move(p));
}

}  // namespace

void read_web_section(Reader& root, Config& config) {
  auto r = root.section("web");
  auto& c = config.web;
  r.choice("access", c.access, {"local", "open", "off"});
  if (r.integer("poll_ms", c.poll_ms) && (c.poll_ms < 500 || c.poll_ms > 600000))
    r.error("poll_ms", "must be 500..600000 milliseconds");
  if (r.strings("allowed_hosts", c.allowed_hosts))
    for (auto& h : c.allowed_hosts) h = text::to_lower(text::trim(h));
  if (r.duration("session_lifetime", c.session_lifetime) && (c.session_lifetime < 60 || c.session_lifetime > 30 * 86400))
    r.error("session_lifetime", "must be 1m..30d");
  if (r.duration("session_idle", c.session_idle) && (c.session_idle < 60 || c.session_idle > 30 * 86400))
    r.error("session_idle", "must be 1m..30d");
  if (r.string("local_operator", c.local_operator) && text::trim(c.local_operator).empty())
    r.error("local_operator", "must name someone");
  if (r.duration("sign_in_link_ttl", c.sign_in_link_ttl) && (c.sign_in_link_ttl < 60 || c.sign_in_link_ttl > 7 * 86400))
    r.error("sign_in_link_ttl", "must be 1m..7d");
  r.named("providers", [&](const std::string& name, Reader& p) { read_provider(name, p, c); });
  r.finish();
}

}  // namespace costbot::config
