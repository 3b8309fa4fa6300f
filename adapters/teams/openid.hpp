#pragma once
// The Bot Framework's OpenID metadata and JWKS: the shared parsers are adapters/jose.
#include "adapters/jose/jwks.hpp"

namespace costbot::teams {
using jose::OpenIdMetadata;
using jose::parse_jwks;
using jose::parse_openid_metadata;
using jose::rsa_public_key_pem;
using jose::SigningKey;
}  // namespace costbot::teams
