#include "tests/support/teams_tokens.hpp"

#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "engine/util/hash.hpp"

namespace costbot::testing {
namespace json = boost::json;
namespace {

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(size));
}

std::string bn_param(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) throw std::runtime_error("EVP_PKEY_get_bn_param failed");
  std::string bytes(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
  BN_free(bn);
  return hash::base64url_encode(bytes);
}

TestRsaKey make_key(const std::string& kid) {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
  if (!key) throw std::runtime_error("RSA key generation failed");
  TestRsaKey out;
  out.kid = kid;
  BIO* priv = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(priv, key, nullptr, nullptr, 0, nullptr, nullptr);
  out.private_pem = bio_text(priv);
  BIO_free(priv);
  BIO* pub = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(pub, key);
  out.public_pem = bio_text(pub);
  BIO_free(pub);
  out.n = bn_param(key, OSSL_PKEY_PARAM_RSA_N);
  out.e = bn_param(key, OSSL_PKEY_PARAM_RSA_E);
  EVP_PKEY_free(key);
  return out;
}

std::string encode_with(jwt_alg_t alg, const std::string& key, const json::object& claims, const std::string& kid) {
  jwt_t* jwt = nullptr;
  if (jwt_new(&jwt) != 0) throw std::runtime_error("jwt_new failed");
  std::unique_ptr<jwt_t, void (*)(jwt_t*)> guard(jwt, jwt_free);
  if (jwt_add_grants_json(jwt, json::serialize(claims).c_str()) != 0) throw std::runtime_error("jwt_add_grants_json failed");
  if (!kid.empty() && jwt_add_header(jwt, "kid", kid.c_str()) != 0) throw std::runtime_error("jwt_add_header failed");
  if (jwt_set_alg(jwt, alg, reinterpret_cast<const unsigned char*>(key.data()), static_cast<int>(key.size())) != 0)
    throw std::runtime_error("jwt_set_alg failed");
  char* encoded = jwt_encode_str(jwt);
  if (!encoded) throw std::runtime_error("jwt_encode_str failed");
  std::string out(encoded);
  std::free(encoded);
  return out;
}

}  // namespace

json::object TestRsaKey::jwk(const std::vector<std::string>& endorsements) const {
  json::array e_list;
  for (const auto& x : endorsements) e_list.push_back(json::string(x));
  return {{"kty", "RSA"}, {"use", "sig"}, {"kid", kid}, {"n", n}, {"e", e}, {"endorsements", e_list}};
}

const TestRsaKey& test_rsa_key(const std::string& kid) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<TestRsaKey>> keys;
  std::lock_guard lock(mutex);
  auto& slot = keys[kid];
  if (!slot) slot = std::make_unique<TestRsaKey>(make_key(kid));
  return *slot;
}

std::string sign_rs256(const TestRsaKey& key, const json::object& claims, const std::string& kid_override) {
  return encode_with(JWT_ALG_RS256, key.private_pem, claims, kid_override.empty() ? key.kid : kid_override);
}

std::string sign_hs256(const std::string& secret, const json::object& claims, const std::string& kid) {
  return encode_with(JWT_ALG_HS256, secret, claims, kid);
}

std::string unsigned_token(const json::object& claims, const std::string& kid) {
  json::object header{{"alg", "none"}, {"typ", "JWT"}, {"kid", kid}};
  return hash::base64url_encode(json::serialize(header)) + "." + hash::base64url_encode(json::serialize(claims)) + ".";
}

}  // namespace costbot::testing
