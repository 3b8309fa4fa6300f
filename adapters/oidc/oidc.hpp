#pragma once
// OpenID Connect sign-in for the web channel, as a relying party (OpenID Connect Core 1.0, the
// authorization code flow; RFC 7636 PKCE with S256; OpenID Connect Discovery 1.0):
//   1. discovery: {issuer}/.well-known/openid-configuration, whose `issuer` must equal the
//      configured one exactly; its jwks_uri gives the signing keys (adapters/jose);
//   2. authorization_url(): response_type=code, scope, state, nonce, code_challenge (S256);
//   3. complete(): the code is exchanged at the token endpoint (client_secret_basic, or
//      client_secret_post when the provider only offers that), and the ID token is checked: RS256
//      only, a key from the JWKS by kid (an unknown kid refreshes the keys, at most once a minute),
//      iss, aud (and azp when there are several audiences), exp / iat with a clock skew, nonce.
// Sign in with Slack (issuer https://slack.com, user https://slack.com/user_id), Microsoft Entra ID
// (https://login.microsoftonline.com/TENANT/v2.0, user oid = Teams' aadObjectId), and any standard
// provider by issuer URL. Failures throw Error(unauthorized) with the reason (never a secret); a
// provider that cannot be reached throws Error(unavailable).
#include <boost/json.hpp>

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/http/client.hpp"
#include "adapters/jose/jwks.hpp"
#include "engine/config/config.hpp"
#include "engine/util/time.hpp"

namespace costbot::oidc {

struct Discovery {
  std::string issuer;
  std::string authorization_endpoint;
  std::string token_endpoint;
  std::string jwks_uri;
  std::vector<std::string> signing_algs;       // id_token_signing_alg_values_supported
  std::vector<std::string> token_auth_methods;  // token_endpoint_auth_methods_supported
};
// Parses a discovery document; the issuer must be `expected_issuer` exactly and every endpoint an
// https URL (http only on loopback, for tests). Throws Error(invalid_input) naming the fault.
Discovery parse_discovery(std::string_view json, const std::string& expected_issuer);

// RFC 7636: base64url(SHA-256(verifier)), no padding.
std::string code_challenge_s256(std::string_view verifier);

struct AuthorizationRequest {
  std::string client_id, redirect_uri, state, nonce, code_challenge;
  std::vector<std::string> scopes;
};
std::string authorization_url(const Discovery& d, const AuthorizationRequest& r);

struct ClaimChecks {
  std::string issuer;
  std::string client_id;
  std::string nonce;
  UnixSeconds now = 0;
  std::int64_t clock_skew = 300;
  std::int64_t max_age = 3600;  // an iat further back than this is refused
};
// Checks the claims of an ID token whose signature already verified. Throws Error(unauthorized).
void check_id_token_claims(const boost::json::object& claims, const ClaimChecks& checks);

struct Identity {
  std::string user_id;  // the claim configured as user_claim
  std::string name;
  std::string email;
  std::vector<std::string> groups;
};
// The person in the claims: user_claim must be a non-empty string; groups_claim a string array.
Identity identity_from_claims(const boost::json::object& claims, const std::string& user_claim,
                              const std::string& groups_claim);

class Provider {
 public:
  Provider(config::OidcProviderConfig config, http::Client& client, const Clock& clock);

  const config::OidcProviderConfig& config() const { return config_; }
  // The URL to send the browser to (fetches the discovery document the first time).
  std::string authorization_url(const std::string& redirect_uri, const std::string& state, const std::string& nonce,
                                const std::string& code_verifier);
  // Exchanges the code and checks the ID token. Blocking (network): call it off the I/O threads.
  Identity complete(const std::string& code, const std::string& code_verifier, const std::string& nonce,
                    const std::string& redirect_uri);

 private:
  Discovery discovery();                                   // cached
  std::string key_for(const std::string& kid);             // PEM; refreshes the JWKS on a miss
  std::string get(const std::string& url, const char* what);

  config::OidcProviderConfig config_;
  http::Client& client_;
  const Clock& clock_;
  std::mutex mutex_;
  std::optional<Discovery> discovery_;
  std::map<std::string, std::string, std::less<>> keys_;  // kid → PEM
  UnixSeconds keys_fetched_at_ = 0;
  bool keys_fetched_ = false;
};

}  // namespace costbot::oidc
