#pragma once
// The credential keys of a cloud source's location (config `credentials:`, or the URL query on the
// command line), read one way by every AWS source (S3 exports, Cost Explorer).
#include "adapters/aws/credentials.hpp"
#include "engine/ingest/remote_source.hpp"

namespace costbot::aws {

inline CredentialSettings credential_settings_of(const ingest::RemoteLocation& location) {
  CredentialSettings cs;
  cs.profile = location.setting("profile");
  cs.role_arn = location.setting("role_arn");
  cs.external_id = location.setting("external_id");
  cs.role_session_name = location.setting("role_session_name");
  cs.access_key_id_env = location.setting("access_key_id_env");
  cs.secret_access_key_env = location.setting("secret_access_key_env");
  return cs;
}

}  // namespace costbot::aws
