#include "adapters/aws/sigv4.hpp"

#include <algorithm>
#include <map>

#include "adapters/http/form.hpp"
#include "engine/util/hash.hpp"
#include "engine/util/percent.hpp"
#include "engine/util/strings.hpp"

namespace costbot::aws {
namespace {

// Removes "." and empty segments and resolves ".." (services other than S3).
std::string sigv4_normalize_path(std::string_view path) {
  std::vector<std::string_view> kept;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    auto segment = path.substr(start, end - start);
    if (segment == "..") {
      if (!kept.empty()) kept.pop_back();
    } else if (!segment.empty() && segment != ".") {
      kept.push_back(segment);
    }
    start = end + 1;
  }
  std::string out = "/";
  for (std::size_t i = 0; i < kept.size(); ++i) {
    if (i) out += '/';
    out += kept[i];
  }
  bool trailing = path.size() > 1 && (path.back() == '/' || path.ends_with("/.") || path.ends_with("/.."));
  if (trailing && out.size() > 1) out += '/';
  return out;
}

std::string sigv4_canonical_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  std::size_t start = 0;
  while (start < query.size()) {
    auto end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    auto pair = query.substr(start, end - start);
    if (!pair.empty()) {
      auto eq = pair.find('=');
      std::string key(eq == std::string_view::npos ? pair : pair.substr(0, eq));
      std::string value(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
      params.emplace_back(uri_encode(text::percent_decode_lenient(key), false), uri_encode(text::percent_decode_lenient(value), false));
    }
    start = end + 1;
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += '&';
    out += k;
    out += '=';
    out += v;
  }
  return out;
}

// Trims, and collapses runs of whitespace (folded lines included) into one space.
std::string sigv4_header_value(std::string_view value) {
  std::string out;
  bool space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

bool sigv4_never_signed(const std::string& lower_name) {
  return lower_name == "user-agent" || lower_name == "connection" || lower_name == "expect" ||
         lower_name == "transfer-encoding" || lower_name == "authorization" || lower_name == "x-amzn-trace-id" ||
         lower_name.starts_with("proxy-");
}

std::string sigv4_date_only(UnixSeconds time) { return amz_date(time).substr(0, 8); }

}  // namespace

std::string uri_encode(std::string_view bytes, bool keep_slash) { return http::percent_encode(bytes, keep_slash); }

std::string s3_key_path(std::string_view key) { return "/" + uri_encode(key, true); }

std::string amz_date(UnixSeconds time) {
  std::string iso = format_instant(time);  // 2015-08-30T12:36:00Z
  std::string out;
  for (char c : iso)
    if (c != '-' && c != ':') out += c;
  return out;
}

Signed sign(const SigningRequest& request, const Credentials& credentials, const SigningOptions& options) {
  const std::string date_time = amz_date(options.time);
  const std::string date = sigv4_date_only(options.time);
  const bool content_header = options.style == Style::s3 || options.sign_content_sha256;

  // Canonical headers: lower-cased names, repeated names joined with ',' in the order given.
  std::map<std::string, std::string> canonical;
  bool has_host = false;
  for (const auto& [name, value] : request.headers) {
    auto lower = text::to_lower(name);
    if (sigv4_never_signed(lower)) continue;
    if (lower == "host") has_host = true;
    auto v = sigv4_header_value(value);
    auto [it, inserted] = canonical.emplace(lower, v);
    if (!inserted) it->second += "," + v;
  }
  Signed out;
  if (!has_host) canonical["host"] = request.host;
  canonical["x-amz-date"] = date_time;
  out.headers.emplace_back("X-Amz-Date", date_time);
  if (content_header) {
    canonical["x-amz-content-sha256"] = request.payload_sha256;
    out.headers.emplace_back("X-Amz-Content-Sha256", request.payload_sha256);
  }
  if (!credentials.session_token.empty()) {
    if (options.sign_session_token) canonical["x-amz-security-token"] = credentials.session_token;
    out.headers.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }

  std::string canonical_headers, signed_headers;
  for (const auto& [name, value] : canonical) {
    canonical_headers += name + ":" + value + "\n";
    if (!signed_headers.empty()) signed_headers += ';';
    signed_headers += name;
  }
  std::string path = request.path.empty() ? "/" : request.path;
  std::string canonical_uri =
      options.style == Style::s3 ? path : uri_encode(options.normalize_path ? sigv4_normalize_path(path) : path, true);

  out.canonical_request = request.method + "\n" + canonical_uri + "\n" + sigv4_canonical_query(request.query) + "\n" +
                          canonical_headers + "\n" + signed_headers + "\n" + request.payload_sha256;
  const std::string scope = date + "/" + options.region + "/" + options.service + "/aws4_request";
  out.string_to_sign = "AWS4-HMAC-SHA256\n" + date_time + "\n" + scope + "\n" + hash::sha256_hex(out.canonical_request);

  std::string key = hash::hmac_sha256_raw("AWS4" + credentials.secret_access_key, date);
  key = hash::hmac_sha256_raw(key, options.region);
  key = hash::hmac_sha256_raw(key, options.service);
  key = hash::hmac_sha256_raw(key, "aws4_request");
  out.signature = hash::to_hex(hash::hmac_sha256_raw(key, out.string_to_sign));
  out.headers.emplace_back("Authorization", "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + "/" + scope +
                                                ", SignedHeaders=" + signed_headers + ", Signature=" + out.signature);
  return out;
}

}  // namespace costbot::aws
