#pragma once
// AWS Signature Version 4 (header signing), as specified in the IAM User Guide "Signature Version
// 4 signing process" and checked against AWS's published test suite (tests/fixtures/aws-sigv4).
//
// The request is described as it goes on the wire: `path` already percent-encoded as sent, `query`
// as sent. Services other than S3 normalize the path (drop "." and empty segments, resolve "..")
// and encode it once more; S3 uses the path exactly as sent (Style::s3). Query parameters are
// decoded, re-encoded with the RFC 3986 unreserved set and sorted. Headers are lower-cased,
// trimmed, inner whitespace collapsed, repeats joined with ",". Hop-by-hop and proxy headers
// (user-agent, connection, expect, transfer-encoding, proxy-*) are never signed since proxies may
// change them.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/util/time.hpp"

namespace costbot::aws {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // "" for long-term keys
  UnixSeconds expires_at = 0;  // 0 = does not expire
  bool empty() const { return access_key_id.empty() || secret_access_key.empty(); }
};

struct SigningRequest {
  std::string method;
  std::string host;   // the Host header value (host[:port])
  std::string path;   // as sent, percent-encoded, starting with '/'
  std::string query;  // as sent, without '?'
  std::vector<std::pair<std::string, std::string>> headers;  // besides host / x-amz-*; may be empty
  std::string payload_sha256;  // hex SHA-256 of the body, or "UNSIGNED-PAYLOAD"
};

enum class Style {
  standard,  // every service but S3: normalized, double-encoded path
  s3,        // path as sent; x-amz-content-sha256 always signed
};

struct SigningOptions {
  std::string region;
  std::string service;
  UnixSeconds time = 0;
  Style style = Style::standard;
  bool normalize_path = true;        // standard style only (the published suite tests both)
  bool sign_content_sha256 = false;  // add x-amz-content-sha256 (always for S3)
  bool sign_session_token = true;    // false: the token header is added after signing (rare)
};

struct Signed {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;  // hex
  // Headers to add to the request, Authorization last (names as AWS writes them).
  std::vector<std::pair<std::string, std::string>> headers;
};

Signed sign(const SigningRequest& request, const Credentials& credentials, const SigningOptions& options);

// RFC 3986 percent-encoding of every byte but A-Z a-z 0-9 - _ . ~ (and '/' when keep_slash).
std::string uri_encode(std::string_view bytes, bool keep_slash);
// An S3 object key as a path segment sequence: "/" + uri_encode(key, keep '/').
std::string s3_key_path(std::string_view key);
// "20150830T123600Z"
std::string amz_date(UnixSeconds time);

}  // namespace costbot::aws
