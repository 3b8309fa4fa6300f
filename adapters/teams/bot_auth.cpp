#include "adapters/teams/bot_auth.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "adapters/teams/jwt.hpp"
#include "engine/util/error.hpp"
#include "engine/util/json_fields.hpp"

namespace costbot::teams {
namespace json = boost::json;
namespace {

[[noreturn]] void refuse_bot_token(const std::string& reason) {
  throw Error(ErrorKind::unauthorized, "Teams request authentication failed: " + reason);
}

std::optional<std::int64_t> number_claim(const json::object& claims, std::string_view name) {
  auto* v = claims.if_contains(name);
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) return static_cast<std::int64_t>(v->as_uint64());
  if (v->is_double() && v->as_double() > -9e15 && v->as_double() < 9e15) return static_cast<std::int64_t>(v->as_double());
  refuse_bot_token(std::string("claim ") + std::string(name) + " is not a number");
}

}  // namespace

BotAuthenticator::BotAuthenticator(BotAuthOptions options, FetchFn fetch, const Clock& clock)
    : options_(std::move(options)), fetch_(std::move(fetch)), clock_(clock) {}

std::size_t BotAuthenticator::fetch_count() const {
  std::lock_guard lock(mutex_);
  return fetches_;
}

std::size_t BotAuthenticator::key_count() const {
  std::lock_guard lock(mutex_);
  return keys_.size();
}

void BotAuthenticator::refresh(UnixSeconds now) {
  attempted_ = true;
  last_attempt_ = now;
  try {
    ++fetches_;
    auto metadata = parse_openid_metadata(fetch_(options_.metadata_url));
    if (!metadata.signing_algs.empty() &&
        std::find(metadata.signing_algs.begin(), metadata.signing_algs.end(), "RS256") == metadata.signing_algs.end())
      spdlog::warn("Teams OpenID metadata does not list RS256 among its signing algorithms; only RS256 is accepted");
    ++fetches_;
    auto keys = parse_jwks(fetch_(metadata.jwks_uri));
    if (keys.empty()) throw invalid_input("the JWKS has no usable RSA signing key");
    keys_.clear();
    for (auto& k : keys) keys_.emplace(k.kid, std::move(k));
    fetched_at_ = now;
    spdlog::info("Teams signing keys refreshed: {} key(s) from {}", keys_.size(), metadata.jwks_uri);
  } catch (const std::exception& e) {
    spdlog::warn("Teams signing keys could not be fetched from {}: {}", options_.metadata_url, e.what());
    if (keys_.empty())
      throw Error(ErrorKind::unavailable, "Teams signing keys are not available yet (OpenID metadata / JWKS fetch failed)");
  }
}

const SigningKey* BotAuthenticator::key_for(const std::string& kid, UnixSeconds now) {
  bool stale = !keys_.empty() && now - fetched_at_ >= options_.keys_max_age;
  if (keys_.empty()) {
    if (attempted_ && now - last_attempt_ < options_.failed_fetch_retry)
      throw Error(ErrorKind::unavailable, "Teams signing keys are not available yet (last fetch failed)");
    refresh(now);
  } else if (stale && now - last_attempt_ >= options_.refresh_min_interval) {
    refresh(now);
  }
  if (auto it = keys_.find(kid); it != keys_.end()) return &it->second;
  // An unknown kid: the keys may have rolled over. Look again, but not more than once a minute.
  if (now - last_attempt_ < options_.refresh_min_interval) return nullptr;
  refresh(now);
  auto it = keys_.find(kid);
  return it == keys_.end() ? nullptr : &it->second;
}

void BotAuthenticator::check_claims(const json::object& claims, UnixSeconds now) const {
  if (json_string(claims, "iss") != options_.issuer) refuse_bot_token("token issuer is not " + options_.issuer);
  bool audience_ok = false;
  if (auto* aud = claims.if_contains("aud")) {
    if (aud->is_string()) audience_ok = aud->as_string() == options_.audience;
    else if (aud->is_array())
      for (const auto& a : aud->as_array()) audience_ok = audience_ok || (a.is_string() && a.as_string() == options_.audience);
  }
  if (!audience_ok) refuse_bot_token("token audience is not this bot's app id");
  auto exp = number_claim(claims, "exp");
  if (!exp) refuse_bot_token("token has no expiry (exp)");
  if (now > *exp + options_.clock_skew) refuse_bot_token("token expired");
  if (auto nbf = number_claim(claims, "nbf"); nbf && now + options_.clock_skew < *nbf) refuse_bot_token("token is not valid yet (nbf)");
}

VerifiedToken BotAuthenticator::verify(std::optional<std::string_view> authorization) {
  auto token = bearer_token(authorization);
  auto header = parse_jwt_header(token);
  if (header.alg != "RS256") refuse_bot_token("token algorithm \"" + header.alg.substr(0, 16) + "\" is not RS256");
  if (header.kid.empty()) refuse_bot_token("token header has no kid");
  auto now = clock_.now();
  std::string pem;
  VerifiedToken out;
  {
    std::lock_guard lock(mutex_);
    const auto* key = key_for(header.kid, now);
    if (!key) refuse_bot_token("token signed with an unknown key (kid not in the JWKS)");
    pem = key->public_key_pem;
    out.endorsements = key->endorsements;
  }
  out.claims = verify_rs256(token, pem);
  out.kid = header.kid;
  check_claims(out.claims, now);
  return out;
}

void BotAuthenticator::check_activity(const VerifiedToken& token, std::string_view service_url,
                                      std::string_view channel_id) {
  auto claimed = json_string(token.claims, "serviceurl");
  if (claimed.empty() || claimed != service_url) refuse_bot_token("the token's serviceurl claim does not match the activity's serviceUrl");
  if (!token.endorsements.empty() &&
      std::find(token.endorsements.begin(), token.endorsements.end(), channel_id) == token.endorsements.end())
    refuse_bot_token("the signing key is not endorsed for channel \"" + std::string(channel_id.substr(0, 32)) + "\"");
}

}  // namespace costbot::teams
