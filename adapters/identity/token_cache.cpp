#include "adapters/identity/token_cache.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>

#include "engine/util/log.hpp"

namespace costbot::identity {

TokenCache::TokenCache(const Clock& clock, std::int64_t refresh_margin, std::int64_t min_validity)
    : clock_(clock), refresh_margin_(refresh_margin), min_validity_(min_validity) {}

TokenCache::~TokenCache() {
  for (auto& [key, entry] : entries_) log::forget_secret(entry.token.value);
}

void TokenCache::store(const std::string& key, AccessToken token, UnixSeconds now) {
  auto lifetime = std::max<std::int64_t>(token.expires_at - now, 0);
  auto margin = std::min(refresh_margin_, lifetime / 2);
  auto& entry = entries_[key];
  if (!entry.token.value.empty() && entry.token.value != token.value) log::forget_secret(entry.token.value);
  log::register_secret(token.value);
  entry.refresh_at = token.expires_at - margin;
  entry.token = std::move(token);
  ++fetches_;
}

std::string TokenCache::get(const std::string& key, const Fetch& fetch) {
  std::lock_guard lock(mutex_);
  auto now = clock_.now();
  auto it = entries_.find(key);
  if (it != entries_.end() && now < it->second.refresh_at) return it->second.token.value;
  try {
    auto token = fetch();
    store(key, std::move(token), now);
    return entries_[key].token.value;
  } catch (const std::exception& e) {
    if (it != entries_.end() && now + min_validity_ < it->second.token.expires_at) {
      spdlog::warn("could not renew an access token ({}); the current one is valid for {} more seconds", e.what(),
                   it->second.token.expires_at - now);
      return it->second.token.value;
    }
    throw;
  }
}

void TokenCache::invalidate(const std::string& key) {
  std::lock_guard lock(mutex_);
  if (auto it = entries_.find(key); it != entries_.end()) {
    log::forget_secret(it->second.token.value);
    entries_.erase(it);
  }
}

std::size_t TokenCache::fetches() const {
  std::lock_guard lock(mutex_);
  return fetches_;
}

}  // namespace costbot::identity
