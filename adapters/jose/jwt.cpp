#include "adapters/jose/jwt.hpp"

#include <jwt.h>

#include <cstdlib>
#include <memory>

#include "engine/util/error.hpp"
#include "engine/util/hash.hpp"
#include "engine/util/json_fields.hpp"
#include "engine/util/strings.hpp"

namespace costbot::jose {
namespace json = boost::json;
namespace {

constexpr std::size_t kMaxTokenBytes = 16 * 1024;

[[noreturn]] void refuse_jwt(const std::string& reason) {
  throw Error(ErrorKind::unauthorized, "token authentication failed: " + reason);
}

struct Parts {
  std::string_view header, payload, signature;
};

Parts split(std::string_view token) {
  if (token.empty()) refuse_jwt("empty bearer token");
  if (token.size() > kMaxTokenBytes) refuse_jwt("malformed token: longer than 16 KiB");
  auto first = token.find('.');
  if (first == std::string_view::npos) refuse_jwt("malformed token: not a compact JWS (no '.')");
  auto second = token.find('.', first + 1);
  if (second == std::string_view::npos) refuse_jwt("malformed token: not a compact JWS (two parts)");
  if (token.find('.', second + 1) != std::string_view::npos) refuse_jwt("malformed token: more than three parts (JWE?)");
  Parts p{token.substr(0, first), token.substr(first + 1, second - first - 1), token.substr(second + 1)};
  if (p.header.empty() || p.payload.empty()) refuse_jwt("malformed token: empty header or payload");
  return p;
}

json::object decode_object(std::string_view part, const char* what) {
  std::string bytes;
  if (!hash::base64url_decode(part, bytes)) refuse_jwt(std::string("malformed token: ") + what + " is not base64url");
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 16;
  auto value = json::parse(bytes, ec, {}, opts);
  if (ec || !value.is_object()) refuse_jwt(std::string("malformed token: ") + what + " is not a JSON object");
  return std::move(value.as_object());
}

struct JwtDeleter {
  void operator()(jwt_t* j) const { jwt_free(j); }
};
struct CharDeleter {
  void operator()(char* s) const { std::free(s); }
};

}  // namespace

std::string bearer_token(std::optional<std::string_view> authorization) {
  if (!authorization) refuse_jwt("missing Authorization header");
  auto value = text::trim(*authorization);
  if (!text::starts_with_icase(value, "bearer ")) refuse_jwt("Authorization is not a Bearer token");
  auto token = text::trim(value.substr(7));
  if (token.empty()) refuse_jwt("empty bearer token");
  return std::string(token);
}

JwtHeader parse_jwt_header(std::string_view token) {
  auto parts = split(token);
  auto header = decode_object(parts.header, "header");
  auto* alg = header.if_contains("alg");
  if (!alg || !alg->is_string()) refuse_jwt("malformed token: header has no alg");
  if (header.contains("crit")) refuse_jwt("token header has a crit extension costbot does not understand");
  return {std::string(alg->as_string()), json_string(header, "kid"), json_string(header, "typ")};
}

json::object unverified_claims(std::string_view token) { return decode_object(split(token).payload, "payload"); }

json::object verify_rs256(std::string_view token, const std::string& public_key_pem) {
  auto header = parse_jwt_header(token);
  // Decided here, not by the token: libjwt 1.10 would otherwise take the algorithm from the
  // header and accept "none" or verify an HMAC with the PEM text as the secret.
  if (header.alg != "RS256") refuse_jwt("token algorithm \"" + header.alg.substr(0, 16) + "\" is not RS256");
  if (split(token).signature.empty()) refuse_jwt("token has no signature");
  std::string nul_terminated(token);
  jwt_t* raw = nullptr;
  int rc = jwt_decode(&raw, nul_terminated.c_str(), reinterpret_cast<const unsigned char*>(public_key_pem.data()),
                      static_cast<int>(public_key_pem.size()));
  std::unique_ptr<jwt_t, JwtDeleter> decoded(raw);
  if (rc != 0 || !decoded) refuse_jwt("token signature does not verify");
  if (jwt_get_alg(decoded.get()) != JWT_ALG_RS256) refuse_jwt("token algorithm is not RS256");
  std::unique_ptr<char, CharDeleter> grants(jwt_get_grants_json(decoded.get(), nullptr));
  if (!grants) refuse_jwt("token has no claims");
  boost::system::error_code ec;
  auto claims = json::parse(grants.get(), ec);
  if (ec || !claims.is_object()) refuse_jwt("token claims are not a JSON object");
  return std::move(claims.as_object());
}

}  // namespace costbot::jose
