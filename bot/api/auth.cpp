#include "bot/api/auth.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <array>
#include <cmath>

#include "engine/util/error.hpp"
#include "engine/util/strings.hpp"

namespace costbot::api {
namespace {

std::array<unsigned char, SHA256_DIGEST_LENGTH> digest(std::string_view text) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> out{};
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), out.data());
  return out;
}

}  // namespace

const config::ApiToken& authenticate(const config::ApiConfig& api, std::optional<std::string_view> authorization) {
  if (!authorization || authorization->empty())
    throw Error(ErrorKind::unauthorized, "missing Authorization header: send \"Authorization: Bearer TOKEN\"");
  auto value = text::trim(*authorization);
  if (!text::starts_with_icase(value, "bearer "))
    throw Error(ErrorKind::unauthorized, "the Authorization header must use the Bearer scheme");
  auto presented = digest(text::trim(value.substr(7)));
  const config::ApiToken* match = nullptr;
  for (const auto& token : api.tokens) {
    auto expected = digest(token.token.reveal());
    // Every token is compared, whether or not an earlier one matched.
    if (CRYPTO_memcmp(presented.data(), expected.data(), expected.size()) == 0 && !match) match = &token;
  }
  if (!match) throw Error(ErrorKind::unauthorized, "unknown API token");
  return *match;
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
