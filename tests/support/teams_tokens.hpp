#pragma once
// Test-time RSA keys and Bot Framework-shaped tokens, so the real verifier runs against really
// signed JWTs: RS256 with a key made in the test (OpenSSL), plus the attacks it must refuse
// (alg none, HS256 "signed" with the public key, wrong claims).
#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace costbot::testing {

struct TestRsaKey {
  std::string kid;
  std::string private_pem;
  std::string public_pem;
  std::string n, e;  // base64url, for the JWKS
  boost::json::object jwk(const std::vector<std::string>& endorsements = {"msteams"}) const;
};

// A fresh 2048-bit key (about 0.1 s); keys are cached per kid for the test process.
const TestRsaKey& test_rsa_key(const std::string& kid);

// RS256 over the claims, with header {alg, typ, kid}.
std::string sign_rs256(const TestRsaKey& key, const boost::json::object& claims, const std::string& kid_override = {});
// HS256 keyed with `secret` (e.g. the RSA public key's PEM text: the algorithm-confusion attack).
std::string sign_hs256(const std::string& secret, const boost::json::object& claims, const std::string& kid);
// {"alg":"none"} and an empty signature.
std::string unsigned_token(const boost::json::object& claims, const std::string& kid);

}  // namespace costbot::testing
