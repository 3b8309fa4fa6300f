#pragma once
// Reads a YAML mapping while tracking the path of every key, so each problem is reported with its
// full path ("teams[2].budget.monthly: expected a number, got \"lots\""). Problems are collected,
// not thrown, so one `config check` run lists all of them. Every key a reader reads is marked;
// finish() reports the keys nobody read as unknown, with the closest valid key as a suggestion.
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/config/issues.hpp"
#include "engine/config/secret.hpp"

namespace costbot::config {

class Reader {
 public:
  // `node` must be a mapping (or null, which reads as empty); otherwise an issue is recorded.
  Reader(YAML::Node node, std::string path, Issues& issues);

  const std::string& path() const { return path_; }
  std::string path_of(const std::string& key) const;
  bool has(const std::string& key) const;
  Issues& issues() { return issues_; }
  void error(const std::string& key, std::string message);  // an issue at path_of(key)

  // Each setter leaves `out` unchanged when the key is absent or invalid; `required` records a
  // "missing required key" issue when absent. They return true when a valid value was read.
  bool string(const std::string& key, std::string& out, bool required = false);
  // The string at `key`, else the environment variable `env_name` when set and not empty.
  bool string_or_env(const std::string& key, std::string& out, const char* env_name);
  bool number(const std::string& key, double& out, bool required = false);
  bool integer(const std::string& key, std::int64_t& out, bool required = false);
  bool integer(const std::string& key, int& out, bool required = false);
  bool boolean(const std::string& key, bool& out, bool required = false);
  bool strings(const std::string& key, std::vector<std::string>& out, bool required = false);  // list or one string
  bool choice(const std::string& key, std::string& out, const std::vector<std::string>& valid, bool required = false);
  // "90s", "15m", "4h", "2d" or a plain number of seconds.
  bool duration(const std::string& key, std::int64_t& seconds, bool required = false);
  // A secret: {env: NAME} or {file: PATH} (or an inline string, allowed but discouraged).
  // When absent, `fallback_env` (e.g. SLACK_SIGNING_SECRET) is consulted.
  bool secret(const std::string& key, Secret& out, const std::string& fallback_env = {});
  bool numbers(const std::string& key, std::vector<double>& out, bool required = false);
  bool string_map(const std::string& key, std::map<std::string, std::string>& out);
  // name → list of strings (a single string is a one-item list), e.g. roles or tag aliases.
  bool string_lists(const std::string& key, std::map<std::string, std::vector<std::string>>& out);
  bool number_map(const std::string& key, std::map<std::string, double>& out);

  // Nested mapping; absent → an empty reader (nothing to read, nothing reported).
  Reader section(const std::string& key, bool required = false);
  // A list of mappings; calls `each` with a reader per item (path "key[i]").
  void list(const std::string& key, const std::function<void(Reader&)>& each, bool required = false);
  // A mapping of name → mapping; calls `each` with the name and a reader (path "key.name").
  void named(const std::string& key, const std::function<void(const std::string&, Reader&)>& each);

  // The raw node, for sections with their own structure (must then be marked read).
  YAML::Node raw(const std::string& key);

  // Reports every key that was not read. Call once, after reading everything.
  void finish();

 private:
  YAML::Node get(const std::string& key, bool required);
  void type_error(const std::string& key, const YAML::Node& value, const char* expected);
  // The mapping at key; nothing when absent or (reported) not a mapping.
  std::optional<YAML::Node> mapping(const std::string& key, const char* expected);
  // Calls `each` for every entry of `map` (the mapping at key) whose key is a plain name; false
  // when a key is not one or `each` refused its entry. Every entry is visited either way.
  bool each_entry(const std::string& key, const YAML::Node& map,
                  const std::function<bool(const std::string& name, const YAML::Node& value)>& each);

  YAML::Node node_;
  std::string path_;
  Issues& issues_;
  std::set<std::string> read_;
  bool valid_ = true;
};

std::string describe(const YAML::Node& value);  // "\"lots\"", "a list", "a mapping", "null"

}  // namespace costbot::config
