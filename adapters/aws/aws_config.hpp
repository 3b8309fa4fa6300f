#pragma once
// The AWS shared config and credentials files and the environment, read the way the AWS SDKs and
// CLI read them (AWS SDKs and Tools Reference Guide: "Shared config and credentials files",
// "Service-specific endpoints"):
//   ~/.aws/config (AWS_CONFIG_FILE): [default], [profile NAME], [services NAME] with indented
//     sub-keys ("s3 =" then "  endpoint_url = ...");
//   ~/.aws/credentials (AWS_SHARED_CREDENTIALS_FILE): [NAME]; wins over config on the same key.
//   AWS_PROFILE picks the profile (default "default").
// Endpoints: AWS_ENDPOINT_URL_<SERVICE> beats AWS_ENDPOINT_URL, then the profile's services
// section, then its endpoint_url; AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true ignores them all.
#include <map>
#include <optional>
#include <string>

namespace costbot::aws {

using Profile = std::map<std::string, std::string>;

struct SharedConfig {
  std::map<std::string, Profile> profiles;  // by name, config and credentials merged
  // [services NAME] → service id ("s3", "sts", "cost_explorer") → key → value
  std::map<std::string, std::map<std::string, std::map<std::string, std::string>>> services;
  std::string config_path, credentials_path;  // what was read (for messages)

  // Reads the files named by the environment (or the defaults under $HOME); missing files are fine.
  static SharedConfig load();
  // Parses text (tests, fuzzing); `credentials_file` selects the [NAME] section style.
  void merge_text(const std::string& text, bool credentials_file);

  const Profile* profile(const std::string& name) const;
  std::string value(const std::string& profile, const std::string& key) const;  // "" when absent
};

// The profile in effect: `explicit_profile`, else AWS_PROFILE, else "default".
std::string active_profile_name(const std::string& explicit_profile = {});

// The region: `explicit_region`, else AWS_REGION, AWS_DEFAULT_REGION, the profile's region, else
// "us-east-1".
std::string resolve_region(const SharedConfig& shared, const std::string& profile, const std::string& explicit_region = {});

// A configured endpoint for a service (service id as in the env names: "S3", "STS",
// "COST_EXPLORER"), or "" for the default AWS endpoint. `explicit_endpoint` (from costbot's own
// config) wins over everything.
std::string resolve_endpoint(const SharedConfig& shared, const std::string& profile, const std::string& service_env_id,
                             const std::string& explicit_endpoint = {});

}  // namespace costbot::aws
