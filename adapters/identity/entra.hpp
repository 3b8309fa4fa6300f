#pragma once
// Access tokens from Microsoft Entra ID, the ways Azure's SDKs get them (DefaultAzureCredential's
// order, without the developer tools):
//   client_secret       POST {authority}/{tenant}/oauth2/v2.0/token, grant_type=client_credentials,
//                       client_id, client_secret, scope
//   client_certificate  the same with client_assertion_type=...jwt-bearer and client_assertion = a
//                       JWT signed with the certificate's key: PS256 with header x5t#S256 (SHA-256
//                       thumbprint of the DER certificate; RS256 + x5t (SHA-1) on request), claims
//                       aud = the token endpoint, iss = sub = client id, jti, nbf, iat, exp (+10 min)
//   workload_identity   the same with client_assertion = the federated token file's contents
//                       (AKS workload identity, GitHub OIDC, ...), re-read at every fetch
//   managed_identity    GET {imds}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=R
//                       with `Metadata: true` (VMs, scale sets, AKS nodes), or, when IDENTITY_ENDPOINT
//                       and IDENTITY_HEADER are set (App Service, Functions, Container Apps),
//                       GET $IDENTITY_ENDPOINT?api-version=2019-08-01&resource=R with X-IDENTITY-HEADER
// Tokens are cached per scope (TokenCache). The environment variables are the SDKs' (AZURE_TENANT_ID,
// AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH, AZURE_CLIENT_CERTIFICATE_PASSWORD,
// AZURE_CLIENT_SEND_CERTIFICATE_CHAIN, AZURE_FEDERATED_TOKEN_FILE, AZURE_AUTHORITY_HOST,
// IDENTITY_ENDPOINT, IDENTITY_HEADER, and MSAL's AZURE_POD_IDENTITY_AUTHORITY_HOST for the IMDS
// address); configured values win over them. Sovereign clouds: set the authority host
// (https://login.microsoftonline.us, https://login.chinacloudapi.cn) and ask for their scopes.
//
// Failures throw http::RemoteError whose message says in words what is wrong (the secret expired,
// the certificate is not registered on the app, the clock is off, no managed identity) and whose
// code() is Entra's (AADSTS7000222) when it gave one. Secrets and tokens never appear in messages.
#include <cstdint>
#include <memory>
#include <string>

#include "adapters/http/client.hpp"
#include "adapters/identity/environment.hpp"
#include "adapters/identity/token_cache.hpp"
#include "engine/util/time.hpp"

namespace costbot::identity {

enum class EntraMethod { automatic, client_secret, client_certificate, workload_identity, managed_identity };
std::string_view name_of(EntraMethod method);
EntraMethod parse_entra_method(std::string_view name);  // throws Error naming the valid choices
constexpr const char* kEntraMethods = "automatic, client_secret, client_certificate, workload_identity, managed_identity";

struct EntraOptions {
  EntraMethod method = EntraMethod::automatic;
  std::string authority_host;          // default https://login.microsoftonline.com
  std::string tenant_id;
  std::string client_id;               // the app (or user-assigned managed identity) client id
  std::string client_secret;
  std::string certificate_path;        // PEM (key + certificate) or PKCS#12
  std::string certificate_password;
  bool send_certificate_chain = false; // x5c header (subject name / issuer authentication)
  bool certificate_rs256 = false;      // legacy RS256 + x5t instead of PS256 + x5t#S256
  std::string federated_token_file;
  std::string managed_identity_resource_id;  // a user-assigned identity by resource id
  std::string imds_endpoint;           // default http://169.254.169.254
  std::string identity_endpoint;       // App Service / Functions / Container Apps
  std::string identity_header;
};

// Fills what the configuration left empty from the SDKs' environment variables, then picks the
// method when `automatic`: secret, then certificate, then federated token file (each with a tenant
// and client id), else managed identity (App Service endpoint when set, else IMDS). Throws
// Error(invalid_input) naming what is missing for an explicitly chosen method.
EntraOptions resolve_entra_options(EntraOptions configured, const Environment& env);

// The token endpoint for a tenant: {authority}/{tenant}/oauth2/v2.0/token.
std::string entra_token_endpoint(const EntraOptions& options);

class EntraCredential {
 public:
  // `options` as resolve_entra_options() returns them.
  EntraCredential(http::Client& client, EntraOptions options, const Clock& clock);
  ~EntraCredential();

  // A bearer token for a scope ("https://management.azure.com/.default",
  // "https://storage.azure.com/.default", "https://api.botframework.com/.default").
  std::string token(const std::string& scope);
  // The service refused the token (401): forget it so the next token() fetches a new one.
  void invalidate(const std::string& scope);

  EntraMethod method() const { return options_.method; }
  const EntraOptions& options() const { return options_; }
  // Which credential, in words, without secrets: "client secret of app 1234 in tenant contoso".
  std::string describe() const;
  std::size_t fetches() const { return cache_.fetches(); }

 private:
  AccessToken fetch(const std::string& scope);
  AccessToken client_credentials(const std::string& scope);
  AccessToken managed_identity(const std::string& scope);

  http::Client& client_;
  EntraOptions options_;
  const Clock& clock_;
  TokenCache cache_;
};

// Entra's error code (AADSTS7000222 → 7000222) in words, with what to do; "" when unknown.
std::string explain_entra_error(long long code);

}  // namespace costbot::identity
