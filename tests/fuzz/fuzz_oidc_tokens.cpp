// Fuzzes what an identity provider (or someone pretending to be one) sends back during web
// sign-in: the discovery document, the JWKS, the ID token's header and claims (claim checks and
// identity extraction run on the unverified claims here, which the real flow never does: it is the
// widest surface), the compact JWS split.
// Properties: nothing crashes; only costbot::Error escapes; a discovery document is accepted only
// with the expected issuer; claims without this client's audience or this nonce never pass.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "adapters/jose/jwks.hpp"
#include "adapters/jose/jwt.hpp"
#include "adapters/oidc/oidc.hpp"
#include "engine/util/error.hpp"

using namespace costbot;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  try {
    auto d = oidc::parse_discovery(input, "https://idp.example.com");
    if (d.issuer != "https://idp.example.com") __builtin_trap();
  } catch (const Error&) {
  }
  try {
    jose::parse_jwks(input);
  } catch (const Error&) {
  }
  try {
    jose::parse_jwt_header(input);
  } catch (const Error&) {
  }
  boost::json::object claims;
  try {
    claims = jose::unverified_claims(input);
  } catch (const Error&) {
    // Not a token: try the bytes as a claims object directly.
    boost::system::error_code ec;
    auto v = boost::json::parse(input, ec);
    if (ec || !v.is_object()) return 0;
    claims = v.as_object();
  }
  try {
    oidc::check_id_token_claims(claims, {"https://idp.example.com", "costbot", "the-nonce", 1'700'000'000, 300, 3600});
    // Passing means the claims really say so.
    auto* nonce = claims.if_contains("nonce");
    if (!nonce || !nonce->is_string() || nonce->as_string() != "the-nonce") __builtin_trap();
  } catch (const Error&) {
  }
  try {
    auto id = oidc::identity_from_claims(claims, "sub", "groups");
    if (id.user_id.empty()) __builtin_trap();
  } catch (const Error&) {
  }
  return 0;
}
