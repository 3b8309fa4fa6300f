#pragma once
// OpenID metadata documents and their JWKS (the keys that sign the tokens: the Bot Framework's for
// Teams, an identity provider's for web sign-in). Parsing only: fetching and caching live with
// their users (adapters/teams/bot_auth.hpp, adapters/oidc). RSA keys are rebuilt from the
// JWK's n and e with OpenSSL 3 (EVP_PKEY_fromdata) and kept as PEM for the verifier.
#include <string>
#include <string_view>
#include <vector>

namespace costbot::jose {

struct OpenIdMetadata {
  std::string issuer;
  std::string jwks_uri;
  std::vector<std::string> signing_algs;  // id_token_signing_alg_values_supported
};
// Throws Error(invalid_input) when the document is not JSON or has no http(s) jwks_uri.
OpenIdMetadata parse_openid_metadata(std::string_view json);

struct SigningKey {
  std::string kid;
  std::string public_key_pem;
  std::vector<std::string> endorsements;  // channels the key may sign for ("msteams"); empty = any
};
// Every usable RSA signing key of a JWKS ({"keys": [...]}). Keys of other types, keys for
// encryption, and keys whose n/e do not make a 2048..8192-bit RSA key are skipped. Throws
// Error(invalid_input) when the document is not a JWKS.
std::vector<SigningKey> parse_jwks(std::string_view json);

// n and e (base64url, big-endian) → a SubjectPublicKeyInfo PEM. Throws Error(invalid_input).
std::string rsa_public_key_pem(std::string_view n_base64url, std::string_view e_base64url);

}  // namespace costbot::jose
