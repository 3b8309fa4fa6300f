#include "bot/api/auth.hpp"

#include <openssl/crypto.h>

#include <array>
#include <cmath>

#include "engine/util/error.hpp"
#include "engine/util/hash.hpp"
#include "engine/util/strings.hpp"

namespace costbot::api {
const config::ApiToken& authenticate(const config::ApiConfig& api, std::optional<std::string_view> authorization) {
  if (!authorization || authorization->empty())
    throw Error(ErrorKind::unauthorized, "missing Authorization header: send \"Authorization: Bearer TOKEN\"");
  auto value = text::trim(*authorization);
  if (!text::starts_with_icase(value, "bearer "))
    throw Error(ErrorKind::unauthorized, "the Authorization header must use the Bearer scheme");
  // Only digests are kept (config::ApiToken::sha256); the presented token is hashed the same way.
  const std::string presented = hash::sha256_hex(text::trim(value.substr(7)));
  const config::ApiToken* match = nullptr;
  for (const auto& token : api.tokens) {
    // Every token is compared, whether or not an earlier one matched.
    if (token.sha256.size() == presented.size() &&
        CRYPTO_memcmp(presented.data(), token.sha256.data(), presented.size()) == 0 && !match)
      match = &token;
  }
  if (!match) throw Error(ErrorKind::unauthorized, "unknown API token");
  return *match;
}

auth::Principal principal_of(const config::ApiToken& token) {
  auth::Principal p;
  p.platform = "api";
  p.user_id = token.actor;
  p.name = token.actor.empty() ? "api:" + token.name : token.actor;
  p.via = "api:" + token.name;
  if (auto role = auth::parse_role(token.role)) p.carried.push_back(*role);
  p.carried_caps = !token.actor.empty();  // a person's token: the role (if any) narrows their roles
  return p;
}

RateLimiter::Decision RateLimiter::take(const std::string& key, double per_minute, double burst, Clock::time_point now) {
  const double rate = std::max(per_minute, 1e-9) / 60.0;  // per second
  const double size = std::max(burst, 1.0);
  std::lock_guard lock(mutex_);
  // Keys include client addresses (bad-token limits): forget the idle ones so the map stays small.
  if (buckets_.size() > kMaxBuckets)
    std::erase_if(buckets_, [&](const auto& kv) { return now - kv.second.updated > std::chrono::minutes(10); });
  auto [it, created] = buckets_.try_emplace(key, Bucket{size, now});
  auto& b = it->second;
  if (!created) {
    const double elapsed = std::chrono::duration<double>(now - b.updated).count();
    b.tokens = std::min(size, b.tokens + std::max(0.0, elapsed) * rate);
    b.updated = now;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return {};
  }
  const double wait = (1.0 - b.tokens) / rate;
  return {false, std::chrono::seconds(std::max<long long>(1, static_cast<long long>(std::ceil(wait))))};
}

}  // namespace costbot::api
