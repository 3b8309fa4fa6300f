#pragma once
// Sign-in for the web channel: the session cookie, the Host names this service answers to, and the
// signed-in person as an engine/auth Principal. The web channel's pages and actions and the
// /auth/* routes share one WebAuth (installed by bot/web).
//
// Cookie: `costbot_session` (`__Host-costbot_session` over https), HttpOnly, SameSite=Lax (the
// provider's redirect back is a cross-site top-level GET), Secure over https, Path=/, Max-Age =
// web.session_lifetime. The value is 32 random bytes; only its SHA-256 is stored.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/server/http_types.hpp"
#include "engine/auth/authorization.hpp"
#include "engine/auth/sessions.hpp"
#include "engine/config/config.hpp"
#include "engine/storage/database.hpp"

namespace costbot::webauth {

// The value of cookie `name` in the request's Cookie headers.
std::optional<std::string> cookie_value(const server::Request& req, std::string_view name);
// "localhost:8080" → "localhost", "[::1]:8080" → "[::1]", lower-cased.
std::string host_name(std::string_view host);
// The host of an http(s) URL, lower-cased ("" when there is none).
std::string url_host(const std::string& url);
// Where to send a browser after sign-in: a path on this service ("/charts/12.png"), never another
// site ("//evil.example", "https://...", "/\\evil"); "/" otherwise.
std::string safe_return_path(const std::string& next);

class WebAuth {
 public:
  explicit WebAuth(const config::Config& config);

  // Host names the web channel answers to: localhost, 127.0.0.1, [::1], server.public_url's host
  // and web.allowed_hosts. Anything else (a DNS-rebound name) is refused.
  bool host_allowed(const server::Request& req) const;
  void require_host(const server::Request& req) const;  // throws Error(forbidden)
  // Who may connect at all (web.access: local = clients on this machine, judged by the client
  // address behind trusted proxies) and to which names: before anything else on /, /web, /auth.
  void check_transport(const server::Request& req) const;

  bool secure() const { return secure_; }
  const std::string& cookie_name() const { return cookie_name_; }
  const auth::SessionLimits& limits() const { return limits_; }
  std::string set_cookie(const std::string& value) const;  // a Set-Cookie header value
  std::string clear_cookie() const;

  // The live session of the request's cookie, if any.
  std::optional<auth::Session> session(const server::Request& req, storage::Database& db, UnixSeconds now) const;
  // The signed-in person. The local operator (the one-time link) holds the admin role: whoever
  // can read the service's console administers it anyway.
  auth::Principal principal(const auth::Session& session) const;

  // Starts a session and returns the response that sets its cookie and goes to `location`.
  server::Response sign_in(storage::Database& db, auth::Session session, const std::string& location,
                           UnixSeconds now) const;

  const config::Config& config() const { return config_; }

 private:
  const config::Config& config_;
  bool secure_ = false;
  std::string cookie_name_;
  auth::SessionLimits limits_;
  std::vector<std::string> allowed_hosts_;
};

}  // namespace costbot::webauth
