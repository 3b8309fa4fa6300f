#pragma once
// The credential keys of a cloud source's location (config `credentials:`, or the URL query on the
// command line), read one way by every AWS source (S3 exports, Cost Explorer).
#include "adapters/aws/credentials.hpp"
#include "engine/ingest/remote_source.hpp"
#include "engine/util/error.hpp"

namespace costbot::aws {

// Keys and values were checked with the config (config::location_keys) or by parse_remote_location
// for a URL on the command line; what spans two keys is checked here, for every source alike.
inline CredentialSettings credential_settings_of(const ingest::RemoteLocation& location) {
  CredentialSettings cs;
  cs.profile = location.setting("profile");
  cs.role_arn = location.setting("role_arn");
  cs.external_id = location.setting("external_id");
  cs.role_session_name = location.setting("role_session_name");
  cs.access_key_id_env = location.setting("access_key_id_env");
  cs.secret_access_key_env = location.setting("secret_access_key_env");
  if (cs.access_key_id_env.empty() != cs.secret_access_key_env.empty())
    throw invalid_input(location.where(cs.access_key_id_env.empty() ? "secret_access_key_env" : "access_key_id_env") +
                        ": access_key_id_env and secret_access_key_env go together");
  return cs;
}

}  // namespace costbot::aws
