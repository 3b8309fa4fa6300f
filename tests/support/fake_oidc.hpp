#pragma once
// An OpenID Connect provider on loopback for sign-in tests. It checks what a real provider checks
// and signs real ID tokens (RS256, a key made in the test, published in its JWKS):
//   GET  /.well-known/openid-configuration   discovery (issuer = url())
//   GET  /jwks                               the public key
//   GET  /authorize                          response_type=code, a registered client_id and
//                                            redirect_uri, scope with openid, state, nonce,
//                                            code_challenge with method S256 → 302 back with a code
//                                            for the person set by sign_in_as()
//   POST /token                              client authentication (Basic or form), the code once,
//                                            the same redirect_uri, PKCE (S256 of code_verifier)
// Violations are recorded (violations()) and answered as the real service would (an error).
#include <boost/json.hpp>

#include <mutex>
#include <string>
#include <vector>

#include "tests/support/fake_http_server.hpp"

namespace costbot::testing {

class FakeOidcProvider {
 public:
  FakeOidcProvider(std::string client_id, std::string client_secret, std::string redirect_uri);

  std::string url() const { return server_.url(); }  // the issuer
  // Who the next /authorize signs in: the claims added to the ID token (sub, name, groups, ...).
  void sign_in_as(boost::json::object claims);
  // Tamper with the next ID token (e.g. another nonce, another audience, expired): applied last.
  void next_token_overrides(boost::json::object claims);
  void set_redirect_uri(std::string uri);
  std::vector<std::string> violations() const;
  std::size_t tokens_issued() const;
  FakeHttpServer& server() { return server_; }

 private:
  struct Pending {
    std::string code, redirect_uri, nonce, challenge;
    bool used = false;
  };
  ScriptedResponse authorize(const RecordedRequest& r);
  ScriptedResponse token(const RecordedRequest& r);
  ScriptedResponse refuse(const std::string& what, int status = 400, const std::string& error = "invalid_request");

  std::string client_id_, client_secret_, redirect_uri_;
  mutable std::mutex mutex_;
  boost::json::object person_, overrides_;
  std::vector<Pending> pending_;
  std::vector<std::string> violations_;
  std::size_t issued_ = 0;
  FakeHttpServer server_;
};

}  // namespace costbot::testing
