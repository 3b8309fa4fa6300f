#include "bot/auth/web_auth.hpp"

#include <algorithm>

#include "engine/util/error.hpp"
#include "engine/util/strings.hpp"

namespace costbot::webauth {

std::optional<std::string> cookie_value(const server::Request& req, std::string_view name) {
  for (const auto& [header, value] : req.headers) {
    if (header != "cookie") continue;
    for (const auto& part : text::split(value, ';')) {
      auto pair = text::trim(part);
      auto eq = pair.find('=');
      if (eq == std::string_view::npos) continue;
      if (text::trim(pair.substr(0, eq)) == name) return std::string(text::trim(pair.substr(eq + 1)));
    }
  }
  return std::nullopt;
}

std::string host_name(std::string_view host) {
  std::string h = text::to_lower(text::trim(host));
  if (!h.empty() && h.front() == '[') {
    auto close = h.find(']');
    return close == std::string::npos ? h : h.substr(0, close + 1);
  }
  auto colon = h.rfind(':');
  return colon == std::string::npos ? h : h.substr(0, colon);
}

std::string url_host(const std::string& url) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos) return {};
  auto rest = std::string_view(url).substr(scheme + 3);
  return host_name(rest.substr(0, rest.find('/')));
}

std::string safe_return_path(const std::string& next) {
  if (next.empty() || next.size() > 512 || next.front() != '/') return "/";
  if (next.size() > 1 && (next[1] == '/' || next[1] == '\\')) return "/";
  for (char c : next)
    if (static_cast<unsigned char>(c) < 0x21 || c == '\\' || static_cast<unsigned char>(c) > 0x7e) return "/";
  return next;
}

WebAuth::WebAuth(const config::Config& config) : config_(config) {
  secure_ = text::starts_with_icase(config.server.public_url, "https://");
  // The __Host- prefix: the browser keeps the cookie only if it is Secure, has Path=/ and no Domain.
  cookie_name_ = secure_ ? "__Host-costbot_session" : "costbot_session";
  limits_.lifetime = config.web.session_lifetime;
  limits_.idle = config.web.session_idle;
  allowed_hosts_ = {"localhost", "127.0.0.1", "[::1]"};
  if (auto h = url_host(config.server.public_url); !h.empty()) allowed_hosts_.push_back(h);
  for (const auto& h : config.web.allowed_hosts) allowed_hosts_.push_back(host_name(h));
}

// The Host the client asked for: a trusted proxy's X-Forwarded-Host / Forwarded host, else Host.
static std::optional<std::string_view> requested_host(const server::Request& req) {
  if (!req.forwarded_host.empty()) return std::string_view(req.forwarded_host);
  return req.header("host");
}

bool WebAuth::host_allowed(const server::Request& req) const {
  auto host = requested_host(req);
  if (!host) return false;
  auto name = host_name(*host);
  return std::find(allowed_hosts_.begin(), allowed_hosts_.end(), name) != allowed_hosts_.end();
}

void WebAuth::require_host(const server::Request& req) const {
  if (host_allowed(req)) return;
  auto host = requested_host(req);
  std::string name = host ? host_name(*host) : "";
  // The name is the client's: keep it short and printable in the message.
  if (name.size() > 80) name = name.substr(0, 80) + "...";
  for (auto& c : name)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = '?';
  throw Error(ErrorKind::forbidden, "the web channel answers only to its own names (localhost, 127.0.0.1, [::1], "
                                    "server.public_url's host and web.allowed_hosts), not \"" + name + "\"");
}

namespace {
// "127.0.0.1", "::1", "::ffff:127.0.0.1" (an address without port).
bool web_loopback_address(std::string_view address) {
  if (address.starts_with("::ffff:")) address.remove_prefix(7);
  return address.starts_with("127.") || address == "::1";
}
}  // namespace

void WebAuth::check_transport(const server::Request& req) const {
  if (config_.web.access == "local") {
    std::string client = req.client;
    if (client.empty()) {  // a request built without the server (tests): the peer
      auto colon = req.remote.rfind(':');
      client = colon == std::string::npos ? req.remote : req.remote.substr(0, colon);
    }
    if (!web_loopback_address(client))
      throw Error(ErrorKind::forbidden,
                  "the web channel answers only on this machine (web.access: local); use web.access: open to reach "
                  "it from elsewhere (everyone signs in either way)");
  }
  require_host(req);
}

std::string WebAuth::set_cookie(const std::string& value) const {
  return cookie_name_ + "=" + value + "; Path=/; HttpOnly; SameSite=Lax; Max-Age=" + std::to_string(limits_.lifetime) +
         (secure_ ? "; Secure" : "");
}

std::string WebAuth::clear_cookie() const {
  return cookie_name_ + "=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0" + std::string(secure_ ? "; Secure" : "");
}

std::optional<auth::Session> WebAuth::session(const server::Request& req, storage::Database& db, UnixSeconds now) const {
  auto value = cookie_value(req, cookie_name_);
  if (!value) return std::nullopt;
  return auth::find_session(db, *value, limits_, now);
}

auth::Principal WebAuth::principal(const auth::Session& s) const {
  auth::Principal p;
  p.platform = "web";
  p.user_id = s.user_id;
  p.name = s.name.empty() ? s.user_id : s.name;
  p.groups = s.groups;
  p.via = "web session (" + s.provider + ")";
  if (s.provider == "local") p.carried = {auth::Role::admin};
  return p;
}

server::Response WebAuth::sign_in(storage::Database& db, auth::Session session, const std::string& location,
                                  UnixSeconds now) const {
  auto cookie = auth::start_session(db, std::move(session), limits_, now);
  auto r = server::Response::empty(303);
  r.with_header("Location", location);
  r.with_header("Set-Cookie", set_cookie(cookie));
  r.with_header("Cache-Control", "no-store");
  r.with_header("Referrer-Policy", "no-referrer");
  return r;
}

}  // namespace costbot::webauth
