#include "adapters/azure/shared_key.hpp"

#include <algorithm>
#include <map>

#include "engine/util/error.hpp"
#include "engine/util/hash.hpp"
#include "engine/util/strings.hpp"

namespace costbot::azure {
namespace {

// Header values are unfolded and runs of spaces collapsed, as the service does before comparing.
std::string canonical_header_value(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : text::trim(v)) {
    bool ws = c == ' ' || c == '\t' || c == '\r' || c == '\n';
    if (ws) {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

}  // namespace

std::string shared_key_string_to_sign(const std::string& account, const SignedRequest& request) {
  std::map<std::string, std::string> standard;  // the fixed header lines, by lower-case name
  std::map<std::string, std::string> ms;        // x-ms-*, sorted by lower-case name
  for (const auto& [name, value] : request.headers) {
    auto lower = text::to_lower(name);
    if (lower.starts_with("x-ms-")) ms[lower] = canonical_header_value(value);
    else standard[lower] = value;
  }
  auto line = [&](const char* name) {
    auto it = standard.find(name);
    std::string v = it == standard.end() ? std::string() : it->second;
    if (std::string_view(name) == "content-length" && v == "0") v.clear();
    return v + "\n";
  };
  std::string out = request.method + "\n";
  for (const char* name : {"content-encoding", "content-language", "content-length", "content-md5", "content-type", "date",
                           "if-modified-since", "if-match", "if-none-match", "if-unmodified-since", "range"})
    out += line(name);
  for (const auto& [name, value] : ms) out += name + ":" + value + "\n";
  out += "/" + account + request.path;
  std::map<std::string, std::vector<std::string>> params;
  for (const auto& [name, value] : request.query) params[text::to_lower(name)].push_back(value);
  for (auto& [name, values] : params) {
    std::sort(values.begin(), values.end());
    out += "\n" + name + ":" + text::join(values, ",");
  }
  return out;
}

std::string shared_key_authorization(const std::string& account, const std::string& key_base64,
                                     const SignedRequest& request) {
  std::string key;
  if (!hash::base64_decode(key_base64, key) || key.empty())
    throw invalid_input("the storage account key of " + account + " is not base64 (copy key1 or key2 from Access keys)");
  return "SharedKey " + account + ":" + hash::base64_encode(hash::hmac_sha256_raw(key, shared_key_string_to_sign(account, request)));
}

}  // namespace costbot::azure
