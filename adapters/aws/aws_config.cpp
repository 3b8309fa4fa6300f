#include "adapters/aws/aws_config.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "engine/util/strings.hpp"

namespace costbot::aws {
namespace {

std::string aws_env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

std::string read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string home_file(const char* relative) {
  std::string home = aws_env("HOME");
  return home.empty() ? std::string() : home + "/" + relative;
}

}  // namespace

void SharedConfig::merge_text(const std::string& text, bool credentials_file) {
  std::string section_kind, section_name, sub_key;
  std::istringstream lines(text);
  std::string raw;
  while (std::getline(lines, raw)) {
    if (!raw.empty() && raw.back() == '\r') raw.pop_back();
    bool indented = !raw.empty() && (raw[0] == ' ' || raw[0] == '\t');
    std::string line(text::trim(raw));
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[') {
      auto close = line.find(']');
      std::string inside(text::trim(line.substr(1, close == std::string::npos ? std::string::npos : close - 1)));
      sub_key.clear();
      section_kind.clear();
      section_name.clear();
      if (credentials_file) {
        section_kind = "profile";
        section_name = inside;
      } else if (inside == "default") {
        section_kind = "profile";
        section_name = "default";
      } else if (auto words = text::split_words(inside); words.size() == 2) {
        section_kind = words[0];  // profile, services, sso-session
        section_name = words[1];
      }
      continue;
    }
    auto eq = line.find('=');
    if (eq == std::string::npos || section_name.empty()) continue;
    std::string key = text::to_lower(text::trim(line.substr(0, eq)));
    std::string value(text::trim(line.substr(eq + 1)));
    // Inline comments need a space before '#' (as botocore does); values may contain '#'.
    if (auto hash = value.find(" #"); hash != std::string::npos) value = std::string(text::trim(value.substr(0, hash)));
    if (section_kind == "services") {
      if (!indented && value.empty()) {
        sub_key = key;
        continue;
      }
      if (indented && !sub_key.empty()) services[section_name][sub_key][key] = value;
      continue;
    }
    if (section_kind != "profile") continue;
    if (indented || value.empty()) continue;  // nested sub-sections of a profile are not used here
    auto& p = profiles[section_name];
    if (credentials_file || !p.count(key)) p[key] = value;
  }
}

SharedConfig SharedConfig::load() {
  SharedConfig c;
  c.config_path = aws_env("AWS_CONFIG_FILE");
  if (c.config_path.empty()) c.config_path = home_file(".aws/config");
  c.credentials_path = aws_env("AWS_SHARED_CREDENTIALS_FILE");
  if (c.credentials_path.empty()) c.credentials_path = home_file(".aws/credentials");
  // Credentials first: its values win over the same keys in config.
  if (!c.credentials_path.empty()) c.merge_text(read_whole_file(c.credentials_path), true);
  if (!c.config_path.empty()) c.merge_text(read_whole_file(c.config_path), false);
  return c;
}

const Profile* SharedConfig::profile(const std::string& name) const {
  auto it = profiles.find(name);
  return it == profiles.end() ? nullptr : &it->second;
}

std::string SharedConfig::value(const std::string& profile_name, const std::string& key) const {
  const Profile* p = profile(profile_name);
  if (!p) return {};
  auto it = p->find(key);
  return it == p->end() ? std::string() : it->second;
}

std::string active_profile_name(const std::string& explicit_profile) {
  if (!explicit_profile.empty()) return explicit_profile;
  auto env = aws_env("AWS_PROFILE");
  return env.empty() ? "default" : env;
}

std::string resolve_region(const SharedConfig& shared, const std::string& profile, const std::string& explicit_region) {
  if (!explicit_region.empty()) return explicit_region;
  for (const char* name : {"AWS_REGION", "AWS_DEFAULT_REGION"})
    if (auto v = aws_env(name); !v.empty()) return v;
  if (auto v = shared.value(profile, "region"); !v.empty()) return v;
  return "us-east-1";
}

std::string resolve_endpoint(const SharedConfig& shared, const std::string& profile, const std::string& service_env_id,
                             const std::string& explicit_endpoint) {
  if (!explicit_endpoint.empty()) return explicit_endpoint;
  if (text::iequals(aws_env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true")) return {};
  if (auto v = aws_env(("AWS_ENDPOINT_URL_" + service_env_id).c_str()); !v.empty()) return v;
  if (auto v = aws_env("AWS_ENDPOINT_URL"); !v.empty()) return v;
  if (auto services = shared.value(profile, "services"); !services.empty()) {
    auto s = shared.services.find(services);
    if (s != shared.services.end()) {
      auto svc = s->second.find(text::to_lower(service_env_id));
      if (svc != s->second.end())
        if (auto e = svc->second.find("endpoint_url"); e != svc->second.end()) return e->second;
    }
  }
  return shared.value(profile, "endpoint_url");
}

}  // namespace costbot::aws
