#pragma once
// Who may call the REST API: a bearer token from api.tokens / COSTBOT_API_TOKENS, and how often:
// a token bucket per token (api.requests_per_minute sustained, api.burst at once).
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "engine/auth/authorization.hpp"
#include "engine/config/config.hpp"

namespace costbot::api {

// Checks "Authorization: Bearer TOKEN" against every configured token. Only digests are kept: the
// presented token's SHA-256 is compared in constant time with every token's (no early exit), so
// neither the length nor the position of a match shows in the timing. Throws Error(unauthorized) naming
// what is wrong (never echoing the value sent).
const config::ApiToken& authenticate(const config::ApiConfig& api, std::optional<std::string_view> authorization);

// The token as a principal for engine/auth: the person it acts as (their roles, capped by the
// token's role when it has one), or — without an actor — "api:NAME" carrying the token's role.
auth::Principal principal_of(const config::ApiToken& token);

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  struct Decision {
    bool allowed = true;
    std::chrono::seconds retry_after{0};  // when refused: how long until one request is allowed
  };
  // Takes one request from `key`'s bucket (created full): `per_minute` refills it, `burst` is its size.
  Decision take(const std::string& key, double per_minute, double burst, Clock::time_point now = Clock::now());

 private:
  static constexpr std::size_t kMaxBuckets = 4096;
  struct Bucket {
    double tokens = 0;
    Clock::time_point updated;
  };
  std::mutex mutex_;
  std::map<std::string, Bucket> buckets_;
};

}  // namespace costbot::api
