#include "engine/auth/link_signing.hpp"

#include "engine/util/hash.hpp"
#include "engine/util/log.hpp"
#include "engine/util/strings.hpp"

namespace costbot::auth {
namespace {

constexpr const char* kChartKeyName = "chart_links";

std::optional<std::string> stored_link_key(storage::Database& db) {
  SQLite::Statement q(db.sql(), "SELECT key_hex FROM service_keys WHERE name = ?");
  q.bind(1, kChartKeyName);
  if (!q.executeStep()) return std::nullopt;
  return q.getColumn(0).getString();
}

// The key, created once: INSERT OR IGNORE lets two processes race and both read the winner's.
std::string link_key(storage::Database& db, bool create) {
  auto key = stored_link_key(db);
  if (!key && create) {
    SQLite::Statement ins(db.sql(), "INSERT OR IGNORE INTO service_keys(name, key_hex, created_at) VALUES (?, ?, ?)");
    ins.bind(1, kChartKeyName);
    ins.bind(2, hash::random_hex(32));
    ins.bind(3, static_cast<std::int64_t>(SystemClock().now()));
    ins.exec();
    key = stored_link_key(db);
  }
  if (!key) return {};
  log::register_secret(*key);
  return *key;
}

std::string link_signature(const std::string& key, std::string_view path, UnixSeconds expires) {
  return hash::hmac_sha256_hex(key, std::string(path) + "\n" + std::to_string(expires));
}

}  // namespace

std::string signed_query(storage::Database& db, std::string_view path, UnixSeconds expires) {
  const auto key = link_key(db, true);
  return "expires=" + std::to_string(expires) + "&signature=" + link_signature(key, path, expires);
}

std::optional<std::string> signed_link_refusal(storage::Database& db, std::string_view path,
                                               const std::optional<std::string>& expires,
                                               const std::optional<std::string>& signature, UnixSeconds now) {
  if (!expires || !signature) return std::string("a signed link needs both `expires` and `signature`");
  auto until = text::parse_int(*expires);
  if (!until) return "`expires` must be a time in Unix seconds, got \"" + expires->substr(0, 32) + "\"";
  const auto key = link_key(db, false);
  // Compared before the expiry, so an altered `expires` reads as altered, not as expired.
  if (key.empty() || !hash::equal_constant_time(link_signature(key, path, *until), *signature))
    return std::string("the link's signature does not match (altered, or signed by another costbot)");
  if (now > *until) return "the link expired at " + format_instant(*until) + "; the chart itself opens from costbot's page (signed in)";
  return std::nullopt;
}

}  // namespace costbot::auth
