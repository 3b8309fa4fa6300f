#include "engine/auth/sessions.hpp"

#include <boost/json.hpp>

#include "engine/audit/audit.hpp"
#include "engine/util/hash.hpp"

namespace costbot::auth {
namespace json = boost::json;

namespace {

std::string groups_json(const std::vector<std::string>& groups) {
  json::array a;
  for (const auto& g : groups) a.push_back(json::value(g));
  return json::serialize(a);
}

std::vector<std::string> groups_from(const std::string& text) {
  std::vector<std::string> out;
  try {
    auto v = json::parse(text);
    if (v.is_array())
      for (const auto& g : v.as_array())
        if (g.is_string()) out.emplace_back(g.as_string());
  } catch (const std::exception&) {
  }
  return out;
}

}  // namespace

std::string start_session(storage::Database& db, Session s, const SessionLimits& limits, UnixSeconds now) {
  const std::string cookie = hash::random_hex(32);
  s.csrf_token = hash::random_hex(24);
  s.created_at = s.last_seen_at = now;
  s.expires_at = now + limits.lifetime;
  auto tx = db.begin_write();
  SQLite::Statement ins(db.sql(),
                        "INSERT INTO web_sessions(id_hash, user_id, name, provider, groups, csrf_token, created_at, "
                        "expires_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  ins.bind(1, hash::sha256_hex(cookie));
  ins.bind(2, s.user_id);
  ins.bind(3, s.name);
  ins.bind(4, s.provider);
  ins.bind(5, groups_json(s.groups));
  ins.bind(6, s.csrf_token);
  ins.bind(7, static_cast<std::int64_t>(now));
  ins.bind(8, static_cast<std::int64_t>(s.expires_at));
  ins.bind(9, static_cast<std::int64_t>(now));
  ins.exec();
  // The session's id in the audit trail is a prefix of its digest: enough to tell sessions apart,
  // useless to sign in with.
  audit::append(db,
                {s.user_id, "session.start", "session:" + hash::sha256_hex(cookie).substr(0, 12),
                 {{"provider", s.provider}, {"name", s.name}, {"expires_at", s.expires_at}}},
                now);
  tx.commit();
  return cookie;
}

std::optional<Session> find_session(storage::Database& db, const std::string& cookie, const SessionLimits& limits,
                                    UnixSeconds now) {
  if (cookie.empty() || cookie.size() > 128) return std::nullopt;
  const auto id = hash::sha256_hex(cookie);
  SQLite::Statement q(db.sql(),
                      "SELECT user_id, name, provider, groups, csrf_token, created_at, expires_at, last_seen_at "
                      "FROM web_sessions WHERE id_hash = ? AND ended_at IS NULL");
  q.bind(1, id);
  if (!q.executeStep()) return std::nullopt;
  Session s;
  s.user_id = q.getColumn(0).getString();
  s.name = q.getColumn(1).getString();
  s.provider = q.getColumn(2).getString();
  s.groups = groups_from(q.getColumn(3).getString());
  s.csrf_token = q.getColumn(4).getString();
  s.created_at = q.getColumn(5).getInt64();
  s.expires_at = q.getColumn(6).getInt64();
  s.last_seen_at = q.getColumn(7).getInt64();
  q.reset();
  if (now >= s.expires_at || now - s.last_seen_at >= limits.idle) return std::nullopt;
  if (now - s.last_seen_at >= 60) {
    SQLite::Statement upd(db.sql(), "UPDATE web_sessions SET last_seen_at = ? WHERE id_hash = ?");
    upd.bind(1, static_cast<std::int64_t>(now));
    upd.bind(2, id);
    upd.exec();
    s.last_seen_at = now;
  }
  return s;
}

bool end_session(storage::Database& db, const std::string& cookie, UnixSeconds now) {
  if (cookie.empty() || cookie.size() > 128) return false;
  const auto id = hash::sha256_hex(cookie);
  auto tx = db.begin_write();
  SQLite::Statement q(db.sql(), "SELECT user_id FROM web_sessions WHERE id_hash = ? AND ended_at IS NULL");
  q.bind(1, id);
  if (!q.executeStep()) return false;
  std::string user = q.getColumn(0).getString();
  q.reset();
  SQLite::Statement upd(db.sql(), "UPDATE web_sessions SET ended_at = ? WHERE id_hash = ?");
  upd.bind(1, static_cast<std::int64_t>(now));
  upd.bind(2, id);
  upd.exec();
  audit::append(db, {user, "session.end", "session:" + id.substr(0, 12), {{"why", "logout"}}}, now);
  tx.commit();
  return true;
}

std::string create_sign_in_link(storage::Database& db, std::int64_t ttl, const std::string& created_by, UnixSeconds now) {
  const std::string token = hash::random_hex(24);
  auto tx = db.begin_write();
  SQLite::Statement ins(db.sql(),
                        "INSERT INTO web_sign_in_links(token_hash, created_at, expires_at, created_by) VALUES (?, ?, ?, ?)");
  ins.bind(1, hash::sha256_hex(token));
  ins.bind(2, static_cast<std::int64_t>(now));
  ins.bind(3, static_cast<std::int64_t>(now + ttl));
  ins.bind(4, created_by);
  ins.exec();
  audit::append(db, {created_by, "sign_in_link.create", "sign_in_link:" + hash::sha256_hex(token).substr(0, 12),
                     {{"expires_at", now + ttl}}},
                now);
  tx.commit();
  return token;
}

bool redeem_sign_in_link(storage::Database& db, const std::string& token, UnixSeconds now) {
  if (token.empty() || token.size() > 128) return false;
  auto tx = db.begin_write();
  SQLite::Statement upd(db.sql(),
                        "UPDATE web_sign_in_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?");
  upd.bind(1, static_cast<std::int64_t>(now));
  upd.bind(2, hash::sha256_hex(token));
  upd.bind(3, static_cast<std::int64_t>(now));
  const bool used = upd.exec() == 1;
  tx.commit();
  return used;
}

void save_pending_login(storage::Database& db, const std::string& state, const std::string& browser,
                        const PendingLogin& login, std::int64_t ttl, UnixSeconds now) {
  auto tx = db.begin_write();
  SQLite::Statement ins(db.sql(),
                        "INSERT INTO oidc_logins(state_hash, browser_hash, provider, nonce, code_verifier, return_to, "
                        "created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  ins.bind(1, hash::sha256_hex(state));
  ins.bind(2, hash::sha256_hex(browser));
  ins.bind(3, login.provider);
  ins.bind(4, login.nonce);
  ins.bind(5, login.code_verifier);
  ins.bind(6, login.return_to);
  ins.bind(7, static_cast<std::int64_t>(now));
  ins.bind(8, static_cast<std::int64_t>(now + ttl));
  ins.exec();
  tx.commit();
}

std::optional<PendingLogin> take_pending_login(storage::Database& db, const std::string& state, const std::string& browser,
                                               UnixSeconds now) {
  if (state.empty() || state.size() > 256 || browser.empty() || browser.size() > 256) return std::nullopt;
  const auto key = hash::sha256_hex(state);
  auto tx = db.begin_write();
  SQLite::Statement q(db.sql(),
                      "SELECT browser_hash, provider, nonce, code_verifier, return_to, expires_at FROM oidc_logins "
                      "WHERE state_hash = ?");
  q.bind(1, key);
  if (!q.executeStep()) return std::nullopt;
  const std::string browser_hash = q.getColumn(0).getString();
  PendingLogin login{q.getColumn(1).getString(), q.getColumn(2).getString(), q.getColumn(3).getString(),
                     q.getColumn(4).getString()};
  const UnixSeconds expires = q.getColumn(5).getInt64();
  q.reset();
  const bool same_browser = hash::equal_constant_time(browser_hash, hash::sha256_hex(browser));
  if (!same_browser) return std::nullopt;  // someone else's state: leave it for its own browser
  SQLite::Statement del(db.sql(), "DELETE FROM oidc_logins WHERE state_hash = ?");
  del.bind(1, key);
  del.exec();
  tx.commit();
  if (now >= expires) return std::nullopt;
  return login;
}

std::int64_t purge_expired(storage::Database& db, UnixSeconds now) {
  auto tx = db.begin_write();
  std::int64_t n = 0;
  auto run = [&](const char* sql) {
    SQLite::Statement st(db.sql(), sql);
    st.bind(1, static_cast<std::int64_t>(now));
    n += st.exec();
  };
  run("DELETE FROM web_sessions WHERE expires_at <= ? OR ended_at IS NOT NULL");
  run("DELETE FROM web_sign_in_links WHERE expires_at <= ? OR used_at IS NOT NULL");
  run("DELETE FROM oidc_logins WHERE expires_at <= ?");
  tx.commit();
  return n;
}

}  // namespace costbot::auth
