#include "adapters/jose/jwks.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <boost/json.hpp>

#include <memory>

#include "engine/util/error.hpp"
#include "engine/util/hash.hpp"
#include "engine/util/json_fields.hpp"
#include "engine/util/strings.hpp"

namespace costbot::jose {
namespace json = boost::json;
namespace {

json::object parse_openid_document(std::string_view text, const char* what) {
  boost::system::error_code ec;
  auto value = json::parse(text, ec);
  if (ec || !value.is_object()) throw invalid_input(std::string(what) + " is not a JSON object");
  return std::move(value.as_object());
}

std::vector<std::string> strings(const json::object& o, std::string_view key) {
  std::vector<std::string> out;
  auto* v = o.if_contains(key);
  if (!v || !v->is_array()) return out;
  for (const auto& item : v->as_array())
    if (item.is_string()) out.emplace_back(item.as_string());
  return out;
}

struct BnFree {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
struct BldFree {
  void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct CtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};

std::unique_ptr<BIGNUM, BnFree> big_number(std::string_view base64url, const char* what) {
  std::string bytes;
  if (base64url.empty() || !hash::base64url_decode(base64url, bytes) || bytes.empty())
    throw invalid_input(std::string("JWK ") + what + " is not base64url");
  std::unique_ptr<BIGNUM, BnFree> bn(
      BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()), nullptr));
  if (!bn) throw invalid_input(std::string("JWK ") + what + " is not a number");
  return bn;
}

}  // namespace

OpenIdMetadata parse_openid_metadata(std::string_view text) {
  auto o = parse_openid_document(text, "OpenID metadata");
  OpenIdMetadata m{json_string(o, "issuer"), json_string(o, "jwks_uri"), strings(o, "id_token_signing_alg_values_supported")};
  if (!text::starts_with_icase(m.jwks_uri, "https://") && !text::starts_with_icase(m.jwks_uri, "http://"))
    throw invalid_input("OpenID metadata has no http(s) jwks_uri");
  return m;
}

std::string rsa_public_key_pem(std::string_view n_base64url, std::string_view e_base64url) {
  auto n = big_number(n_base64url, "n");
  auto e = big_number(e_base64url, "e");
  int bits = BN_num_bits(n.get());
  if (bits < 2048 || bits > 8192) throw invalid_input("JWK RSA modulus has " + std::to_string(bits) + " bits (want 2048..8192)");
  if (BN_num_bits(e.get()) > 64 || !BN_is_odd(e.get()) || BN_is_one(e.get())) throw invalid_input("JWK RSA exponent is not valid");

  std::unique_ptr<OSSL_PARAM_BLD, BldFree> build(OSSL_PARAM_BLD_new());
  if (!build || OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1)
    throw Error(ErrorKind::internal, "OpenSSL could not build RSA key parameters");
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(build.get()));
  std::unique_ptr<EVP_PKEY_CTX, CtxFree> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1)
    throw invalid_input("JWK n/e do not make an RSA public key");
  std::unique_ptr<EVP_PKEY, KeyFree> key(raw);

  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key.get()) != 1)
    throw Error(ErrorKind::internal, "OpenSSL could not write the RSA public key");
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

std::vector<SigningKey> parse_jwks(std::string_view text) {
  auto o = parse_openid_document(text, "JWKS");
  auto* keys = o.if_contains("keys");
  if (!keys || !keys->is_array()) throw invalid_input("JWKS has no \"keys\" array");
  std::vector<SigningKey> out;
  for (const auto& item : keys->as_array()) {
    if (!item.is_object()) continue;
    const auto& k = item.as_object();
    if (json_string(k, "kty") != "RSA") continue;
    if (auto use = json_string(k, "use"); !use.empty() && use != "sig") continue;
    if (auto alg = json_string(k, "alg"); !alg.empty() && alg != "RS256") continue;
    auto kid = json_string(k, "kid");
    if (kid.empty()) continue;
    try {
      out.push_back({kid, rsa_public_key_pem(json_string(k, "n"), json_string(k, "e")), strings(k, "endorsements")});
    } catch (const Error&) {
      continue;  // one unusable key does not take the others down
    }
  }
  return out;
}

}  // namespace costbot::jose
