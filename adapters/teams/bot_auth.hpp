#pragma once
// Authenticates requests from the Bot Framework (Teams → /teams/messages), as Microsoft's SDKs do:
//   1. `Authorization: Bearer <JWT>`; header alg RS256 only (none / HS* refused before any key).
//   2. The signing key by kid from the JWKS named in the configured OpenID metadata document,
//      both fetched with the shared HTTPS client. Keys are cached; an unknown kid refreshes them,
//      at most once a minute (so junk kids cannot make costbot hammer Microsoft); they are also
//      refreshed when a day old.
//   3. Signature (libjwt), iss, aud (= the bot's app id), exp / nbf with the configured skew.
//   4. Then, with the activity parsed: the `serviceurl` claim equals the activity's serviceUrl, and
//      a key that lists endorsements endorses the activity's channelId.
// Failures throw Error(unauthorized) (→ 401; nothing is processed); a metadata/JWKS fetch that
// fails throws Error(unavailable) (→ 503, the Bot Framework retries).
#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/teams/openid.hpp"
#include "engine/util/time.hpp"

namespace costbot::teams {

struct BotAuthOptions {
  std::string metadata_url;  // https://login.botframework.com/v1/.well-known/openidconfiguration
  std::string issuer = "https://api.botframework.com";
  std::string audience;      // the bot's Microsoft App ID
  std::int64_t clock_skew = 300;
  std::int64_t refresh_min_interval = 60;  // seconds between refreshes caused by unknown kids
  std::int64_t failed_fetch_retry = 5;     // seconds before a failed fetch (with no keys) is tried again
  std::int64_t keys_max_age = 86400;
};

// GETs a URL and returns the body; throws (any exception) when there is no 2xx answer.
using FetchFn = std::function<std::string(const std::string& url)>;

struct VerifiedToken {
  boost::json::object claims;
  std::string kid;
  std::vector<std::string> endorsements;  // of the key that signed it
};

class BotAuthenticator {
 public:
  BotAuthenticator(BotAuthOptions options, FetchFn fetch, const Clock& clock);

  // Steps 1-3. Thread-safe; fetching holds a lock so concurrent requests share one refresh.
  VerifiedToken verify(std::optional<std::string_view> authorization);
  // Step 4.
  static void check_activity(const VerifiedToken& token, std::string_view service_url, std::string_view channel_id);

  std::size_t fetch_count() const;  // metadata + JWKS documents fetched so far
  std::size_t key_count() const;

 private:
  const SigningKey* key_for(const std::string& kid, UnixSeconds now);  // with mutex_ held
  void refresh(UnixSeconds now);                                        // with mutex_ held
  void check_claims(const boost::json::object& claims, UnixSeconds now) const;

  BotAuthOptions options_;
  FetchFn fetch_;
  const Clock& clock_;
  mutable std::mutex mutex_;
  std::map<std::string, SigningKey, std::less<>> keys_;
  UnixSeconds fetched_at_ = 0;       // last successful refresh
  UnixSeconds last_attempt_ = 0;     // last refresh attempt, successful or not
  bool attempted_ = false;
  std::size_t fetches_ = 0;
};

}  // namespace costbot::teams
