#pragma once
// The web channel's OpenID Connect routes (one provider per web.providers entry):
//   GET /auth/login/{provider}      a pending login (state, nonce, PKCE verifier, stored by digest)
//                                   bound to this browser by a short-lived login cookie → 302 to the
//                                   provider's authorization endpoint
//   GET /auth/callback/{provider}   ?code&state: the state must be this browser's pending login; the
//                                   code is exchanged (off the I/O threads), the ID token checked
//                                   (adapters/oidc), and a session started → 303 to the page
// The redirect URI registered with the provider is {server.public_url}/auth/callback/{provider}.
#include <functional>
#include <memory>
#include <string>

#include "bot/auth/web_auth.hpp"
#include "bot/server/http_types.hpp"

namespace costbot::service {
class Service;
}

namespace costbot::webauth {

// `problem_page`: the sign-in page with a problem to show (the web channel draws it).
void install_oidc_routes(service::Service& svc, std::shared_ptr<const WebAuth> auth,
                         std::function<server::Response(const std::string& problem)> problem_page);

}  // namespace costbot::webauth
