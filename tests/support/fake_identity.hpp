#pragma once
// Loopback stand-ins for the token services costbot's cloud sources authenticate against, checking
// what the real ones check:
//
// FakeEntra — Microsoft Entra ID's v2.0 token endpoint (POST /{tenant}/oauth2/v2.0/token), Azure
// IMDS (GET /metadata/identity/oauth2/token, `Metadata: true`) and the App Service identity
// endpoint (GET /msi/token, X-IDENTITY-HEADER). A client secret must be registered and unexpired
// (AADSTS7000215 / 7000222); a certificate assertion's header must name a registered certificate
// by x5t#S256 (PS256) or x5t (RS256), its signature must verify with that certificate's public key
// (OpenSSL, RSASSA-PSS with a digest-length salt, as RFC 7518 requires), aud must be this tenant's
// token endpoint, iss = sub = the client id, jti present, nbf/exp around now (AADSTS700027,
// 50027, 700024); a federated assertion must verify with its issuer's key and match a registered
// federated credential's issuer, subject and audience (AADSTS700211/2/3). Errors come back in
// Entra's shape ({error, error_description "AADSTSn: ...", error_codes}).
//
// FakeGoogleAuth — Google's OAuth token endpoint (POST /token) and the GCE metadata server. The
// JWT bearer assertion is verified with libjwt against the registered key named by its kid
// (RS256), then iss, aud (= this endpoint's URL), scope, and iat/exp (at most an hour apart,
// around now) — with Google's own error texts ("Invalid JWT Signature.", "Invalid JWT: Token must
// be a short-lived token (60 minutes) and in a reasonable timeframe..."). The metadata server
// requires `Metadata-Flavor: Google` and answers with it.
//
// Both issue random opaque tokens and remember them, so a resource fake (Blob, Cost Management,
// BigQuery) can check a bearer token: who it was issued to, for which scope, and not expired.
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/util/time.hpp"
#include "tests/support/fake_http_server.hpp"
#include "tests/support/teams_tokens.hpp"

namespace costbot::testing {

// A self-signed RSA certificate over `key` (PEM), valid from an hour ago for `valid_seconds`.
std::string make_rsa_certificate(const TestRsaKey& key, const std::string& common_name, long valid_seconds = 7 * 86400);
// The certificate and key in one PKCS#12 (.pfx) file's bytes, protected by `password`.
std::string make_pkcs12(const TestRsaKey& key, const std::string& certificate_pem, const std::string& password);

struct IssuedToken {
  std::string issued_to;  // Entra: client id (or "managed-identity:<client id>"); Google: service account email
  std::string scope;      // Entra: the scope or resource asked for; Google: the space-separated scopes
  UnixSeconds expires_at = 0;
  std::string method;     // client_secret, client_certificate, workload_identity, imds, app_service, jwt_bearer, refresh_token, metadata
};

// The answer to "may this bearer token call me?": the token's record, or why not.
struct BearerCheck {
  std::optional<IssuedToken> token;
  std::string reason;  // "no bearer token", "unknown token", "token expired", "token is for scope X"
  explicit operator bool() const { return token.has_value(); }
};

struct EntraApp {
  std::string tenant_id;
  std::string client_id;
  struct Secret {
    std::string value;
    UnixSeconds expires_at;
  };
  std::vector<Secret> secrets;
  std::vector<std::string> certificates_pem;
  struct Federated {
    std::string issuer, subject, audience = "api://AzureADTokenExchange";
    std::string issuer_public_key_pem;
  };
  std::vector<Federated> federated;
};

class FakeEntra {
 public:
  explicit FakeEntra(const Clock& clock);
  void add_app(EntraApp app);
  // A managed identity the IMDS and App Service endpoints hand tokens for.
  void set_managed_identity(std::string client_id);
  const std::string& identity_header() const { return identity_header_; }

  std::string authority() const { return server_.url(); }                        // AZURE_AUTHORITY_HOST
  std::string token_endpoint(const std::string& tenant) const;                     // the assertion's aud
  std::string imds_endpoint() const { return server_.url(); }                      // AZURE_POD_IDENTITY_AUTHORITY_HOST
  std::string app_service_endpoint() const { return server_.url() + "/msi/token"; } // IDENTITY_ENDPOINT

  // `scope` may be given as a scope (https://storage.azure.com/.default) or a resource (https://storage.azure.com/).
  BearerCheck check_bearer(std::string_view authorization, std::string_view scope) const;
  std::size_t tokens_issued() const;
  std::int64_t token_lifetime = 3600;
  std::int64_t clock_skew = 300;
  FakeHttpServer& server() { return server_; }

 private:
  ScriptedResponse token_endpoint_answer(const RecordedRequest& request);
  ScriptedResponse imds_answer(const RecordedRequest& request);
  ScriptedResponse app_service_answer(const RecordedRequest& request);
  std::string issue(const std::string& to, const std::string& scope, const std::string& method);

  const Clock& clock_;
  FakeHttpServer server_;
  mutable std::mutex mutex_;
  std::vector<EntraApp> apps_;
  std::optional<std::string> managed_identity_;
  std::string identity_header_;
  std::map<std::string, IssuedToken> issued_;
};

struct GoogleServiceAccount {
  std::string email;
  const TestRsaKey* key = nullptr;  // its kid is the key file's private_key_id
  bool deleted_key = false;         // the key was deleted in IAM: "Invalid JWT Signature."
};

class FakeGoogleAuth {
 public:
  explicit FakeGoogleAuth(const Clock& clock);
  void add_service_account(GoogleServiceAccount account);
  // An authorized_user (gcloud ADC) refresh token.
  void add_refresh_token(std::string client_id, std::string client_secret, std::string refresh_token);
  // The metadata server's default service account (its email) and project.
  void set_metadata_identity(std::string email, std::string project_id);

  std::string token_uri() const { return server_.url() + "/token"; }
  std::string metadata_host() const;  // 127.0.0.1:PORT, for GCE_METADATA_HOST
  // A service_account key file's JSON for `account` (token_uri pointing at this fake).
  std::string key_file_json(const GoogleServiceAccount& account, const std::string& project_id) const;

  BearerCheck check_bearer(std::string_view authorization, std::string_view required_scope) const;
  std::size_t tokens_issued() const;
  std::int64_t token_lifetime = 3600;
  std::int64_t clock_skew = 60;
  FakeHttpServer& server() { return server_; }

 private:
  ScriptedResponse token_answer(const RecordedRequest& request);
  ScriptedResponse metadata_token_answer(const RecordedRequest& request);
  std::string issue(const std::string& to, const std::string& scope, const std::string& method);

  const Clock& clock_;
  FakeHttpServer server_;
  mutable std::mutex mutex_;
  std::vector<GoogleServiceAccount> accounts_;
  struct RefreshToken {
    std::string client_id, client_secret, token;
  };
  std::vector<RefreshToken> refresh_tokens_;
  std::string metadata_email_, metadata_project_;
  std::map<std::string, IssuedToken> issued_;
};

}  // namespace costbot::testing
