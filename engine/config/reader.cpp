#include "engine/config/reader.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "engine/util/log.hpp"
#include "engine/util/strings.hpp"

namespace costbot::config {

std::string Issues::to_string() const {
  std::string out;
  for (const auto& issue : list_) out += issue.to_string() + "\n";
  return out;
}

std::string describe(const YAML::Node& value) {
  if (!value.IsDefined() || value.IsNull()) return "null";
  if (value.IsSequence()) return "a list";
  if (value.IsMap()) return "a mapping";
  std::string s = value.Scalar();
  if (s.size() > 40) s = s.substr(0, 37) + "...";
  return "\"" + s + "\"";
}

namespace {

// A mapping key as text; YAML also allows lists, mappings and null as keys, which no config key is.
bool key_name(const YAML::Node& key, std::string& name) {
  if (!key.IsScalar()) return false;
  name = key.Scalar();
  return true;
}

}  // namespace

Reader::Reader(YAML::Node node, std::string path, Issues& issues)
    : node_(std::move(node)), path_(std::move(path)), issues_(issues) {
  if (node_.IsDefined() && !node_.IsNull() && !node_.IsMap()) {
    issues_.add(path_, "expected a mapping, got " + describe(node_));
    valid_ = false;
  }
}

std::string Reader::path_of(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

bool Reader::has(const std::string& key) const {
  const YAML::Node& node = node_;
  return valid_ && node.IsMap() && node[key].IsDefined() && !node[key].IsNull();
}

void Reader::error(const std::string& key, std::string message) { issues_.add(path_of(key), std::move(message)); }

// Absent keys read as an undefined node (a default YAML::Node is a defined null).
static YAML::Node absent() { return YAML::Node(YAML::NodeType::Undefined); }

YAML::Node Reader::get(const std::string& key, bool required) {
  read_.insert(key);
  if (!valid_ || !node_.IsMap()) {
    if (required && valid_) issues_.add(path_of(key), "missing required key");
    return absent();
  }
  // Lookup through a const node: yaml-cpp's non-const operator[] inserts the key.
  const YAML::Node& node = node_;
  YAML::Node value = node[key];
  if (!value.IsDefined() || value.IsNull()) {
    if (required) issues_.add(path_of(key), "missing required key");
    return absent();
  }
  return value;
}

void Reader::type_error(const std::string& key, const YAML::Node& value, const char* expected) {
  issues_.add(path_of(key), std::string("expected ") + expected + ", got " + describe(value));
}

bool Reader::string(const std::string& key, std::string& out, bool required) {
  auto v = get(key, required);
  if (!v.IsDefined()) return false;
  if (!v.IsScalar()) {
    type_error(key, v, "a string");
    return false;
  }
  out = v.Scalar();
  return true;
}

bool Reader::string_or_env(const std::string& key, std::string& out, const char* env_name) {
  if (string(key, out)) return true;
  if (const char* env = std::getenv(env_name); env && *env) {
    out = env;
    return true;
  }
  return false;
}

bool Reader::number(const std::string& key, double& out, bool required) {
  auto v = get(key, required);
  if (!v.IsDefined()) return false;
  auto parsed = v.IsScalar() ? text::parse_double(v.Scalar()) : std::nullopt;
  if (!parsed) {
    type_error(key, v, "a number");
    return false;
  }
  out = *parsed;
  return true;
}

bool Reader::integer(const std::string& key, std::int64_t& out, bool required) {
  auto v = get(key, required);
  if (!v.IsDefined()) return false;
  auto parsed = v.IsScalar() ? text::parse_int(v.Scalar()) : std::nullopt;
  if (!parsed) {
    type_error(key, v, "an integer");
    return false;
  }
  out = *parsed;
  return true;
}

bool Reader::integer(const std::string& key, int& out, bool required) {
  std::int64_t wide = out;
  if (!integer(key, wide, required)) return false;
  out = static_cast<int>(wide);
  return true;
}

bool Reader::boolean(const std::string& key, bool& out, bool required) {
  auto v = get(key, required);
  if (!v.IsDefined()) return false;
  if (v.IsScalar()) {
    auto s = text::to_lower(v.Scalar());
    if (s == "true" || s == "yes" || s == "on") return out = true, true;
    if (s == "false" || s == "no" || s == "off") return out = false, true;
  }
  type_error(key, v, "true or false");
  return false;
}

bool Reader::strings(const std::string& key, std::vector<std::string>& out, bool required) {
  auto v = get(key, required);
  if (!v.IsDefined()) return false;
  if (v.IsScalar()) {
    out = {v.Scalar()};
    return true;
  }
  if (!v.IsSequence()) {
    type_error(key, v, "a list of strings");
    return false;
  }
  std::vector<std::string> result;
  bool ok = true;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!v[i].IsScalar()) {
      issues_.add(path_of(key) + "[" + std::to_string(i) + "]", "expected a string, got " + describe(v[i]));
      ok = false;
      continue;
    }
    result.push_back(v[i].Scalar());
  }
  if (ok) out = std::move(result);
  return ok;
}

bool Reader::choice(const std::string& key, std::string& out, const std::vector<std::string>& valid, bool required) {
  std::string value;
  if (!string(key, value, required)) return false;
  for (const auto& v : valid)
    if (v == value) return out = value, true;
  issues_.add(path_of(key), "unknown value \"" + value + "\" (valid: " + text::join(valid, ", ") + ")");
  return false;
}

bool Reader::duration(const std::string& key, std::int64_t& seconds, bool required) {
  auto v = get(key, required);
  if (!v.IsDefined()) return false;
  if (v.IsScalar()) {
    std::string s = std::string(text::trim(v.Scalar()));
    if (auto n = text::parse_double(s); n && *n >= 0) return seconds = static_cast<std::int64_t>(*n), true;
    if (s.size() >= 2) {
      auto n = text::parse_double(s.substr(0, s.size() - 1));
      std::int64_t unit = 0;
      switch (s.back()) {
        case 's': unit = 1; break;
        case 'm': unit = 60; break;
        case 'h': unit = 3600; break;
        case 'd': unit = 86400; break;
        case 'w': unit = 7 * 86400; break;
      }
      if (n && *n >= 0 && unit) return seconds = static_cast<std::int64_t>(*n * unit), true;
    }
  }
  type_error(key, v, "a duration such as 90s, 15m, 4h or 2d");
  return false;
}

bool Reader::secret(const std::string& key, Secret& out, const std::string& fallback_env) {
  auto v = get(key, false);
  auto from_env = [&](const std::string& name, const std::string& at, bool must_exist) {
    const char* value = std::getenv(name.c_str());
    if (!value || !*value) {
      if (must_exist) issues_.add(at, "environment variable " + name + " is not set");
      return false;
    }
    out = Secret(value, "env " + name);
    log::register_secret(value);
    return true;
  };
  if (!v.IsDefined()) return !fallback_env.empty() && from_env(fallback_env, path_of(key), false);
  if (v.IsScalar()) {
    out = Secret(v.Scalar(), "inline at " + path_of(key));
    log::register_secret(v.Scalar());
    return true;
  }
  if (v.IsMap()) {
    Reader r(v, path_of(key), issues_);
    std::string env, file;
    r.string("env", env);
    r.string("file", file);
    r.finish();
    if (!env.empty() && !file.empty()) {
      issues_.add(path_of(key), "give either env or file, not both");
      return false;
    }
    if (!env.empty()) return from_env(env, path_of(key) + ".env", true);
    if (!file.empty()) {
      std::ifstream in(file, std::ios::binary);
      if (!in) {
        issues_.add(path_of(key) + ".file", "cannot read secret file " + file);
        return false;
      }
      std::stringstream ss;
      ss << in.rdbuf();
      std::string value(text::trim(ss.str()));
      out = Secret(value, "file " + file);
      log::register_secret(value);
      return true;
    }
    issues_.add(path_of(key), "expected {env: NAME} or {file: PATH}");
    return false;
  }
  type_error(key, v, "{env: NAME} or {file: PATH}");
  return false;
}

std::optional<YAML::Node> Reader::mapping(const std::string& key, const char* expected) {
  auto v = get(key, false);
  if (!v.IsDefined()) return std::nullopt;
  if (!v.IsMap()) {
    type_error(key, v, expected);
    return std::nullopt;
  }
  return v;
}

bool Reader::each_entry(const std::string& key, const YAML::Node& map,
                        const std::function<bool(const std::string& name, const YAML::Node& value)>& each) {
  bool ok = true;
  for (const auto& kv : map) {
    std::string name;
    if (!key_name(kv.first, name)) {
      issues_.add(path_of(key), "a key must be a plain name, got " + describe(kv.first));
      ok = false;
      continue;
    }
    ok = each(name, kv.second) && ok;
  }
  return ok;
}

bool Reader::string_map(const std::string& key, std::map<std::string, std::string>& out) {
  auto map = mapping(key, "a mapping");
  if (!map) return false;
  return each_entry(key, *map, [&](const std::string& name, const YAML::Node& value) {
    if (!value.IsScalar()) {
      issues_.add(path_of(key) + "." + name, "expected a string, got " + describe(value));
      return false;
    }
    out[name] = value.Scalar();
    return true;
  });
}

bool Reader::numbers(const std::string& key, std::vector<double>& out, bool required) {
  auto v = get(key, required);
  if (!v.IsDefined()) return false;
  if (!v.IsSequence()) {
    type_error(key, v, "a list of numbers");
    return false;
  }
  std::vector<double> result;
  bool ok = true;
  for (std::size_t i = 0; i < v.size(); ++i) {
    auto parsed = v[i].IsScalar() ? text::parse_double(v[i].Scalar()) : std::nullopt;
    if (!parsed) {
      issues_.add(path_of(key) + "[" + std::to_string(i) + "]", "expected a number, got " + describe(v[i]));
      ok = false;
      continue;
    }
    result.push_back(*parsed);
  }
  if (ok) out = std::move(result);
  return ok;
}

bool Reader::string_lists(const std::string& key, std::map<std::string, std::vector<std::string>>& out) {
  auto map = mapping(key, "a mapping of names to lists");
  if (!map) return false;
  Reader inner(*map, path_of(key), issues_);
  return each_entry(key, *map, [&](const std::string& name, const YAML::Node&) { return inner.strings(name, out[name]); });
}

bool Reader::number_map(const std::string& key, std::map<std::string, double>& out) {
  auto map = mapping(key, "a mapping");
  if (!map) return false;
  return each_entry(key, *map, [&](const std::string& name, const YAML::Node& value) {
    auto parsed = value.IsScalar() ? text::parse_double(value.Scalar()) : std::nullopt;
    if (!parsed) {
      issues_.add(path_of(key) + "." + name, "expected a number, got " + describe(value));
      return false;
    }
    out[name] = *parsed;
    return true;
  });
}

Reader Reader::section(const std::string& key, bool required) {
  return Reader(get(key, required), path_of(key), issues_);
}

void Reader::list(const std::string& key, const std::function<void(Reader&)>& each, bool required) {
  auto v = get(key, required);
  if (!v.IsDefined()) return;
  if (!v.IsSequence()) {
    type_error(key, v, "a list");
    return;
  }
  for (std::size_t i = 0; i < v.size(); ++i) {
    Reader item(v[i], path_of(key) + "[" + std::to_string(i) + "]", issues_);
    each(item);
    item.finish();
  }
}

void Reader::named(const std::string& key, const std::function<void(const std::string&, Reader&)>& each) {
  auto v = get(key, false);
  if (!v.IsDefined()) return;
  if (!v.IsMap()) {
    type_error(key, v, "a mapping");
    return;
  }
  for (const auto& kv : v) {
    std::string name;
    if (!key_name(kv.first, name)) {
      issues_.add(path_of(key), "a key must be a plain name, got " + describe(kv.first));
      continue;
    }
    Reader item(kv.second, path_of(key) + "." + name, issues_);
    each(name, item);
    item.finish();
  }
}

YAML::Node Reader::raw(const std::string& key) { return get(key, false); }

void Reader::finish() {
  if (!valid_ || !node_.IsMap()) return;
  std::vector<std::string> known(read_.begin(), read_.end());
  for (const auto& kv : node_) {
    std::string key;
    if (!key_name(kv.first, key)) {
      issues_.add(path_, "a key must be a plain name, got " + describe(kv.first));
      continue;
    }
    if (read_.count(key)) continue;
    std::string message = "unknown key";
    if (auto guess = text::closest(key, known)) message += " (did you mean \"" + *guess + "\"?)";
    issues_.add(path_of(key), message);
  }
}

}  // namespace costbot::config
