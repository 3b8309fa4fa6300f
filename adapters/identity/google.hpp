#pragma once
// Access tokens for Google Cloud APIs, found the way Application Default Credentials finds them:
//   1. a key file named by the config or GOOGLE_APPLICATION_CREDENTIALS:
//      - "service_account": the JWT bearer grant. POST token_uri (the key's, normally
//        https://oauth2.googleapis.com/token) grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer
//        with assertion = an RS256 JWT (header kid = private_key_id; claims iss = client_email,
//        scope, aud = token_uri, iat = now, exp = now + 1 h) signed with the key's private_key;
//      - "authorized_user" (gcloud auth application-default login): the refresh-token grant;
//   2. gcloud's application_default_credentials.json ($CLOUDSDK_CONFIG or ~/.config/gcloud);
//   3. the metadata server (GCE, GKE, Cloud Run): GET http://HOST/computeMetadata/v1/instance/
//      service-accounts/default/token?scopes=... with `Metadata-Flavor: Google`, whose answer must
//      carry the same header. HOST is GCE_METADATA_HOST, else 169.254.169.254.
// Tokens are cached (TokenCache). Failures throw http::RemoteError explaining in words what is
// wrong (a deleted key, clock skew, no metadata server); keys and tokens never appear in messages.
// Not supported: "external_account" (workload identity federation into GCP) files, said so.
#include <mutex>
#include <string>
#include <vector>

#include "adapters/http/client.hpp"
#include "adapters/identity/environment.hpp"
#include "adapters/identity/token_cache.hpp"
#include "engine/util/time.hpp"

namespace costbot::identity {

enum class GoogleMethod { automatic, key_file, metadata_server };
std::string_view name_of(GoogleMethod method);
GoogleMethod parse_google_method(std::string_view name);  // throws Error naming the valid choices
constexpr const char* kGoogleMethods = "automatic, key_file, metadata_server";

struct GoogleOptions {
  GoogleMethod method = GoogleMethod::automatic;
  std::string credentials_file;     // a service_account or authorized_user JSON file
  std::string metadata_host;        // host[:port] of the metadata server, default 169.254.169.254
  std::string token_uri;            // overrides the key file's token_uri (private endpoints)
  std::vector<std::string> scopes;  // default https://www.googleapis.com/auth/cloud-platform.read-only
};

// Fills what the configuration left empty from GOOGLE_APPLICATION_CREDENTIALS, gcloud's ADC file
// (when it exists) and GCE_METADATA_HOST, then picks key_file or metadata_server when automatic.
GoogleOptions resolve_google_options(GoogleOptions configured, const Environment& env);

struct GoogleKeyFile {
  std::string type;            // service_account or authorized_user
  std::string client_email;    // service_account
  std::string private_key;     // PEM
  std::string private_key_id;
  std::string token_uri;
  std::string project_id;
  std::string client_id, client_secret, refresh_token;  // authorized_user
  std::string quota_project_id;
};
// Parses a key file's JSON; throws Error(invalid_input) naming `what` and the missing field.
GoogleKeyFile parse_google_key_file(const std::string& json_text, const std::string& what);

class GoogleCredential {
 public:
  GoogleCredential(http::Client& client, GoogleOptions options, const Clock& clock);
  ~GoogleCredential();

  std::string token();   // for options().scopes, cached
  void invalidate();     // the API refused the token (401)
  // The project of the key file or the metadata server ("" when unknown).
  std::string project_id();
  GoogleMethod method() const { return options_.method; }
  const GoogleOptions& options() const { return options_; }
  std::string describe() const;  // "Google service account costbot@p.iam.gserviceaccount.com (key /etc/sa.json)"
  std::size_t fetches() const { return cache_.fetches(); }

 private:
  AccessToken fetch();
  AccessToken from_key_file();
  AccessToken from_metadata_server();
  std::string metadata_get(const std::string& path, const std::string& what);

  http::Client& client_;
  GoogleOptions options_;
  const Clock& clock_;
  TokenCache cache_;
  std::string scope_key_;
  mutable std::mutex mutex_;  // guards the two below
  std::string described_;     // filled once the key file was read
  std::string project_id_;
};

// Google's token endpoint error (error, error_description) in words, with what to do; "" when unknown.
std::string explain_google_token_error(const std::string& error, const std::string& description);

}  // namespace costbot::identity
