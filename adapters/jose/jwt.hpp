#pragma once
// JSON Web Tokens signed with RS256: the Bot Framework's bearer tokens (Teams) and OpenID Connect
// ID tokens (web sign-in). Shared by adapters the way adapters/http is.
// The header is read first (by us) so the algorithm and key are chosen by costbot, never by the
// token: only RS256 is accepted, `none` and the HMAC algorithms are refused before any key is
// touched (the "HS256 signed with the public key" confusion cannot happen). The signature itself
// is checked by libjwt (OpenSSL underneath) against the PEM of the key the header's kid names.
//
// Every failure throws costbot::Error(unauthorized) with a reason safe to show the caller.
#include <boost/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace costbot::jose {

// The token of an `Authorization: Bearer <token>` header (scheme case-insensitive).
std::string bearer_token(std::optional<std::string_view> authorization);

struct JwtHeader {
  std::string alg;
  std::string kid;
  std::string typ;
};

// Splits a compact JWS (three base64url parts) and decodes its header. Refuses tokens over 16 KiB,
// parts that are not base64url, a header that is not a JSON object, and any `crit` extension.
JwtHeader parse_jwt_header(std::string_view token);

// The claims, decoded but NOT verified: for diagnostics and the fuzzer only.
boost::json::object unverified_claims(std::string_view token);

// Verifies the token's RS256 signature with `public_key_pem` (SubjectPublicKeyInfo PEM) and returns
// its claims. The header must say RS256 (checked again after libjwt decoded it).
boost::json::object verify_rs256(std::string_view token, const std::string& public_key_pem);

}  // namespace costbot::jose
