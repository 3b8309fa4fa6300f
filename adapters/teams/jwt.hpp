#pragma once
// The Bot Framework's bearer tokens are RS256 JWTs: the shared implementation is adapters/jose.
#include "adapters/jose/jwt.hpp"

namespace costbot::teams {
using jose::bearer_token;
using jose::JwtHeader;
using jose::parse_jwt_header;
using jose::unverified_claims;
using jose::verify_rs256;
}  // namespace costbot::teams
