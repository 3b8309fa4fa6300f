#pragma once
// Links the service signs so that someone without a session may open one thing until a set time:
// chart images in Slack and Teams alerts, which Slack's and Teams' servers fetch themselves.
//
// signature = hex(HMAC-SHA256(key, path + "\n" + expires)), key = 32 random bytes created once per
// database (table service_keys, migration 0200) and registered with the log's redaction.
// The link carries `?expires=UNIX_SECONDS&signature=HEX`.
#include <optional>
#include <string>
#include <string_view>

#include "engine/storage/database.hpp"
#include "engine/util/time.hpp"

namespace costbot::auth {

// How long a chart image link in an alert stays valid, counted from the finding's last change
// (an alert edited for a newer state carries a fresh link). Long enough for a month of reading
// the channel's history; the chart itself is always current.
inline constexpr std::int64_t kChartLinkLifetime = 30 * 24 * 3600;

// "expires=1700000000&signature=ab12..." for `path` ("/charts/12.png"). Creates the key on first
// use (needs a writable database then).
std::string signed_query(storage::Database& db, std::string_view path, UnixSeconds expires);

// Why a presented link must be refused (nullopt: it is good): a missing or malformed parameter, a
// signature that does not match (altered, or signed by another database), or an expired link.
std::optional<std::string> signed_link_refusal(storage::Database& db, std::string_view path,
                                               const std::optional<std::string>& expires,
                                               const std::optional<std::string>& signature, UnixSeconds now);

}  // namespace costbot::auth
