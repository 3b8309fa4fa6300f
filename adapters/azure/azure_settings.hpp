#pragma once
// The Entra settings an Azure location's query may carry (shared by Blob exports and the Cost
// Management Query source). Secrets are never written in the location: only the names of the
// environment variables holding them (client_secret_env, certificate_password_env).
#include <set>
#include <string>

#include "adapters/identity/entra.hpp"
#include "adapters/identity/environment.hpp"
#include "engine/ingest/remote_source.hpp"

namespace costbot::azure {

// tenant_id, client_id, client_secret_env, certificate_file, certificate_password_env,
// federated_token_file, managed_identity_client_id, authority_host, credential.
const std::set<std::string>& entra_setting_keys();

// EntraOptions from the settings, then the AZURE_* environment (resolve_entra_options). Throws
// Error(invalid_input) naming the location and the setting at fault (an unset variable, an
// unknown credential method).
identity::EntraOptions entra_options_from(const ingest::RemoteLocation& location, const identity::Environment& env);

// Throws Error(invalid_input) naming the first setting that is neither in `known` nor an Entra key.
void check_settings(const ingest::RemoteLocation& location, const std::set<std::string>& known);

// The value of the environment variable a setting names ("" when the setting is absent); throws
// when the setting names a variable that is not set.
std::string secret_from_env_setting(const ingest::RemoteLocation& location, const std::string& setting,
                                    const identity::Environment& env);

}  // namespace costbot::azure
