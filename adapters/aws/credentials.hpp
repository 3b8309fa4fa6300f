#pragma once
// AWS credentials resolved the way the AWS SDKs resolve them, so operators configure nothing new
// (AWS SDKs and Tools Reference Guide, "Standardized credential providers"):
//
//   1. environment: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN)
//   2. shared files, profile AWS_PROFILE or "default": static keys, or role_arn with
//      source_profile / credential_source (Environment, Ec2InstanceMetadata, EcsContainer) /
//      web_identity_token_file, external_id, role_session_name, duration_seconds
//   3. web identity (EKS IRSA): AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN, the token file re-read
//      at every refresh, STS AssumeRoleWithWebIdentity (unsigned)
//   4. container credentials (ECS, EKS Pod Identity): AWS_CONTAINER_CREDENTIALS_FULL_URI or
//      _RELATIVE_URI, Authorization from AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE)
//   5. EC2 instance metadata, IMDSv2: PUT a session token, then GET the role and its credentials
//      (IMDSv1 only when the PUT is refused and AWS_EC2_METADATA_V1_DISABLED is not true)
// On top of any of these, costbot's own `role_arn` (+ `external_id`) assumes a role in another
// account (STS AssumeRole, SigV4-signed with the base credentials).
//
// Temporary credentials are cached and refreshed five minutes before they expire. Secrets never
// appear in messages or logs: describe() names the provider, errors name the step that failed.
#include <memory>
#include <mutex>
#include <string>

#include "adapters/aws/sigv4.hpp"
#include "adapters/http/client.hpp"
#include "engine/util/time.hpp"

namespace costbot::aws {

class CredentialProvider {
 public:
  virtual ~CredentialProvider() = default;
  // Valid credentials (refreshed when needed). Throws http::RemoteError saying which provider
  // failed and why (kind unauthorized when no credentials can be had, unavailable when a
  // metadata endpoint or STS did not answer).
  virtual Credentials get() = 0;
  // Forgets cached credentials, e.g. after a service answered ExpiredToken.
  virtual void invalidate() {}
  // "environment variables", "profile billing (assume role arn:aws:iam::1:role/x)", ...
  virtual std::string describe() const = 0;
};

struct CredentialSettings {
  std::string profile;            // "" = AWS_PROFILE or "default"
  std::string role_arn;           // assume this role on top of the resolved credentials
  std::string external_id;        // for role_arn (cross-account trust policies)
  std::string role_session_name;  // default "costbot-<unix time>"
  std::string region;             // for STS; "" = resolved like the SDKs
  std::string sts_endpoint;       // "" = AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL / https://sts.REGION.amazonaws.com
  std::string access_key_id_env;      // static keys from these env vars instead (for several accounts)
  std::string secret_access_key_env;
};

std::shared_ptr<CredentialProvider> make_credential_chain(http::Client& client, const Clock& clock,
                                                          const CredentialSettings& settings);

// Refreshes this long before expiry.
constexpr UnixSeconds kCredentialRefreshMargin = 300;

}  // namespace costbot::aws
