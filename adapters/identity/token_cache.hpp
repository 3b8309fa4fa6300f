#pragma once
// Access tokens kept until shortly before they expire, one per key (an Entra scope, a Google scope
// set). A token is replaced when less than the refresh margin is left: five minutes, or half its
// lifetime when it lives shorter than ten minutes, so a short-lived token is not fetched on every
// call. If fetching a new one fails while the old one is still valid for more than `min_validity`
// seconds, the old one is used and the failure logged. Concurrent callers share one fetch.
//
// Tokens are never logged; while cached they are registered with the log redactor (and forgotten
// when replaced), so even a careless log line cannot show one.
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "engine/util/time.hpp"

namespace costbot::identity {

struct AccessToken {
  std::string value;
  UnixSeconds expires_at = 0;
};

class TokenCache {
 public:
  using Fetch = std::function<AccessToken()>;

  explicit TokenCache(const Clock& clock, std::int64_t refresh_margin = 300, std::int64_t min_validity = 30);
  ~TokenCache();
  TokenCache(const TokenCache&) = delete;
  TokenCache& operator=(const TokenCache&) = delete;

  // The cached token for `key`, or a new one from `fetch` (whose exceptions pass through when no
  // usable token is cached).
  std::string get(const std::string& key, const Fetch& fetch);
  // Drops the token (the server refused it: revoked, rotated), so the next get() fetches.
  void invalidate(const std::string& key);
  std::size_t fetches() const;  // successful fetches so far

 private:
  struct Entry {
    AccessToken token;
    UnixSeconds refresh_at = 0;
  };
  void store(const std::string& key, AccessToken token, UnixSeconds now);

  const Clock& clock_;
  std::int64_t refresh_margin_;
  std::int64_t min_validity_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry> entries_;
  std::size_t fetches_ = 0;
};

}  // namespace costbot::identity
