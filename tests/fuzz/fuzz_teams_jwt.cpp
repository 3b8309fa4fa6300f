// Fuzzes what an attacker controls before any Teams request is trusted: the Authorization header
// (bearer parsing, the compact JWS split, header and claims decoding, the RS256 check through
// libjwt against a key made at start-up, the whole authenticator with its key cache), the outgoing
// webhook HMAC header, and the OpenID metadata / JWKS parsers. Nothing may crash, nothing but
// costbot::Error may escape, and no input may ever verify: the fuzzer cannot sign with the key.
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "adapters/teams/bot_auth.hpp"
#include "adapters/teams/jwt.hpp"
#include "adapters/teams/openid.hpp"
#include "adapters/teams/outgoing_webhook.hpp"
#include "engine/util/error.hpp"
#include "engine/util/hash.hpp"

namespace {

struct FuzzKey {
  std::string pem;
  std::string jwks;  // {"keys":[{kid "k", n, e}]}
};

std::string param(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  EVP_PKEY_get_bn_param(key, name, &bn);
  std::string bytes(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
  BN_free(bn);
  return costbot::hash::base64url_encode(bytes);
}

const FuzzKey& fuzz_key() {
  static const FuzzKey key = [] {
    EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, k);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    FuzzKey out{std::string(data, static_cast<std::size_t>(n)), ""};
    BIO_free(bio);
    out.jwks = R"({"keys":[{"kty":"RSA","kid":"k","n":")" + param(k, OSSL_PKEY_PARAM_RSA_N) + R"(","e":")" +
               param(k, OSSL_PKEY_PARAM_RSA_E) + R"("}]})";
    EVP_PKEY_free(k);
    return out;
  }();
  return key;
}

costbot::teams::BotAuthenticator& authenticator() {
  static costbot::ManualClock clock(1726653600);
  static costbot::teams::BotAuthenticator auth(
      [] {
        costbot::teams::BotAuthOptions o;
        o.metadata_url = "https://login.test/openid";
        o.audience = "fuzz-app";
        return o;
      }(),
      [](const std::string& url) -> std::string {
        if (url == "https://login.test/openid") return R"({"jwks_uri":"https://login.test/keys"})";
        // The kid "k" names a real key (so signatures are checked), any other kid is unknown.
        return fuzz_key().jwks;
      },
      clock);
  return auth;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  try {
    costbot::teams::bearer_token(input);
  } catch (const costbot::Error&) {
  }
  try {
    costbot::teams::parse_jwt_header(input);
    costbot::teams::unverified_claims(input);
  } catch (const costbot::Error&) {
  }
  try {
    costbot::teams::verify_rs256(input, fuzz_key().pem);
    __builtin_trap();  // verified without the private key
  } catch (const costbot::Error&) {
  }
  try {
    authenticator().verify("Bearer " + std::string(input));
    __builtin_trap();
  } catch (const costbot::Error&) {
  }
  try {
    costbot::teams::verify_outgoing_webhook("vqF0En+Z0ucuRTM/01o2GuhMH3hKKk/N2bOmlM31zaA=", input, "{}");
  } catch (const costbot::Error&) {
  }
  try {
    costbot::teams::parse_openid_metadata(input);
  } catch (const costbot::Error&) {
  }
  try {
    costbot::teams::parse_jwks(input);
  } catch (const costbot::Error&) {
  }
  return 0;
}
