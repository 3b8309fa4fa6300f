#pragma once
// The web channel's sign-in state, stored by digest only: sessions (cookie value → person),
// one-time sign-in links for the local operator, and OpenID Connect logins in flight (state →
// nonce, PKCE verifier, and the browser that started them). Every lookup hashes the presented
// value (SHA-256) and compares digests, so the database never holds a usable secret.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/storage/database.hpp"
#include "engine/util/time.hpp"

namespace costbot::auth {

struct Session {
  std::string user_id;  // the identity approvals use
  std::string name;
  std::string provider;  // "local", or the OIDC provider's name
  std::vector<std::string> groups;
  std::string csrf_token;  // this session's anti-CSRF token
  UnixSeconds created_at = 0, expires_at = 0, last_seen_at = 0;
};

struct SessionLimits {
  std::int64_t lifetime = 12 * 3600;  // seconds from sign-in
  std::int64_t idle = 2 * 3600;       // seconds without a request
};

// Starts a session (audited as session.start) and returns the cookie value, the only copy.
std::string start_session(storage::Database& db, Session session, const SessionLimits& limits, UnixSeconds now);
// The live session for a cookie value (nullopt: unknown, ended, expired or idle too long).
// Refreshes last_seen_at (at most once a minute, to spare the database).
std::optional<Session> find_session(storage::Database& db, const std::string& cookie_value, const SessionLimits& limits,
                                    UnixSeconds now);
// Logout (audited as session.end). False when there was no live session.
bool end_session(storage::Database& db, const std::string& cookie_value, UnixSeconds now);

// A one-time sign-in link's token (valid `ttl` seconds, for one use).
std::string create_sign_in_link(storage::Database& db, std::int64_t ttl, const std::string& created_by, UnixSeconds now);
// Uses the token up. False when unknown, used or expired.
bool redeem_sign_in_link(storage::Database& db, const std::string& token, UnixSeconds now);

struct PendingLogin {
  std::string provider;
  std::string nonce;
  std::string code_verifier;
  std::string return_to = "/";
};
// Remembers an authorization request: `state` goes to the provider, `browser` is the value of the
// login cookie set in the browser that started it.
void save_pending_login(storage::Database& db, const std::string& state, const std::string& browser,
                        const PendingLogin& login, std::int64_t ttl, UnixSeconds now);
// Takes (and deletes) the login for a callback: the state must be known, unexpired, and started by
// the same browser. nullopt otherwise.
std::optional<PendingLogin> take_pending_login(storage::Database& db, const std::string& state,
                                               const std::string& browser, UnixSeconds now);

// Deletes ended and expired sessions, used or expired links, stale logins. Returns rows removed.
std::int64_t purge_expired(storage::Database& db, UnixSeconds now);

}  // namespace costbot::auth
