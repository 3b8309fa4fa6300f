#include "adapters/azure/azure_settings.hpp"

#include "engine/util/error.hpp"
#include "engine/util/log.hpp"
#include "engine/util/strings.hpp"

namespace costbot::azure {

const std::set<std::string>& entra_setting_keys() {
  static const std::set<std::string> keys{"tenant_id",       "client_id",         "client_secret_env",
                                          "certificate_file", "certificate_password_env", "federated_token_file",
                                          "managed_identity_client_id", "authority_host", "credential"};
  return keys;
}

void check_settings(const ingest::RemoteLocation& location, const std::set<std::string>& known) {
  for (const auto& [key, value] : location.settings) {
    if (known.count(key) || entra_setting_keys().count(key)) continue;
    std::vector<std::string> all(known.begin(), known.end());
    all.insert(all.end(), entra_setting_keys().begin(), entra_setting_keys().end());
    std::string hint;
    if (auto close = text::closest(key, all)) hint = " (did you mean \"" + *close + "\"?)";
    throw invalid_input(location.base + ": unknown setting \"" + key + "\"" + hint + "; known: " + text::join(all, ", "));
  }
}

std::string secret_from_env_setting(const ingest::RemoteLocation& location, const std::string& setting,
                                    const identity::Environment& env) {
  auto name = location.setting(setting);
  if (name.empty()) return {};
  auto value = env(name);
  if (value.empty())
    throw invalid_input(location.base + ": " + setting + " names the environment variable " + name + ", which is not set");
  log::register_secret(value);
  return value;
}

identity::EntraOptions entra_options_from(const ingest::RemoteLocation& location, const identity::Environment& env) {
  identity::EntraOptions o;
  if (auto method = location.setting("credential"); !method.empty()) {
    try {
      o.method = identity::parse_entra_method(method);
    } catch (const Error& e) {
      throw invalid_input(location.base + ": credential: " + e.what());
    }
  }
  o.tenant_id = location.setting("tenant_id");
  o.client_id = location.setting("client_id");
  if (o.client_id.empty()) o.client_id = location.setting("managed_identity_client_id");
  o.client_secret = secret_from_env_setting(location, "client_secret_env", env);
  o.certificate_path = location.setting("certificate_file");
  o.certificate_password = secret_from_env_setting(location, "certificate_password_env", env);
  o.federated_token_file = location.setting("federated_token_file");
  o.authority_host = location.setting("authority_host");
  try {
    return identity::resolve_entra_options(o, env);
  } catch (const Error& e) {
    throw invalid_input(location.base + ": " + e.what());
  }
}

}  // namespace costbot::azure
