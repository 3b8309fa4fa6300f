#include "adapters/identity/jws.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <ctime>
#include <fstream>
#include <sstream>

#include "engine/util/error.hpp"
#include "engine/util/hash.hpp"

namespace costbot::identity {
namespace json = boost::json;
namespace {

using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;
using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;

BioPtr memory_bio(std::string_view bytes) {
  return BioPtr(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())), &BIO_free);
}

// The reason OpenSSL gives for the last failure ("bad decrypt", "no start line"); never key bytes.
std::string openssl_reason() {
  unsigned long code = ERR_peek_last_error();
  const char* reason = code ? ERR_reason_error_string(code) : nullptr;
  ERR_clear_error();
  return reason ? reason : "unknown error";
}

int password_callback(char* buf, int size, int /*rwflag*/, void* user) {
  const auto* password = static_cast<const std::string*>(user);
  if (!password || static_cast<int>(password->size()) > size) return -1;
  password->copy(buf, password->size());
  return static_cast<int>(password->size());
}

PrivateKey checked_rsa(EVP_PKEY* pkey, const std::string& what) {
  PrivateKey key(pkey);
  if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA)
    throw invalid_input(what + " is not an RSA key (only RSA keys are supported)");
  return key;
}

std::string der_of(X509* cert) {
  int len = i2d_X509(cert, nullptr);
  if (len <= 0) throw invalid_input("cannot encode a certificate");
  std::string out(static_cast<std::size_t>(len), '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  i2d_X509(cert, &p);
  return out;
}

std::string digest_of(X509* cert, const EVP_MD* md) {
  unsigned char buf[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!X509_digest(cert, md, buf, &len)) throw invalid_input("cannot hash a certificate");
  return std::string(reinterpret_cast<char*>(buf), len);
}

std::string subject_of(X509* cert) {
  BioPtr out(BIO_new(BIO_s_mem()), &BIO_free);
  X509_NAME_print_ex(out.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  long len = BIO_get_mem_data(out.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

long long not_after_of(X509* cert) {
  std::tm tm{};
  if (!ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm)) return 0;
  return static_cast<long long>(timegm(&tm));
}

ClientCertificate assemble(PrivateKey key, std::vector<X509Ptr>& certs, const std::string& what) {
  auto* pkey = static_cast<EVP_PKEY*>(key.native());
  X509* leaf = nullptr;
  for (auto& c : certs)
    if (X509_check_private_key(c.get(), pkey) == 1) {
      leaf = c.get();
      break;
    }
  ERR_clear_error();
  if (!leaf) throw invalid_input(what + " has no certificate matching its private key");
  ClientCertificate out;
  out.key = std::move(key);
  out.der = der_of(leaf);
  out.sha1_thumbprint = digest_of(leaf, EVP_sha1());
  out.sha256_thumbprint = digest_of(leaf, EVP_sha256());
  out.subject = subject_of(leaf);
  out.not_after = not_after_of(leaf);
  out.chain_der.push_back(out.der);
  for (auto& c : certs)
    if (c.get() != leaf) out.chain_der.push_back(der_of(c.get()));
  return out;
}

ClientCertificate parse_pem_bundle(std::string_view bytes, const std::string& password, const std::string& what) {
  std::vector<X509Ptr> certs;
  {
    auto bio = memory_bio(bytes);
    while (X509* c = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) certs.emplace_back(c, &X509_free);
    ERR_clear_error();  // the loop ends on "no start line"
  }
  if (certs.empty()) throw invalid_input(what + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
  return assemble(load_private_key_pem(bytes, password, what), certs, what);
}

ClientCertificate parse_pkcs12(std::string_view bytes, const std::string& password, const std::string& what) {
  auto bio = memory_bio(bytes);
  std::unique_ptr<PKCS12, decltype(&PKCS12_free)> p12(d2i_PKCS12_bio(bio.get(), nullptr), &PKCS12_free);
  if (!p12) throw invalid_input(what + " is neither PEM nor PKCS#12 (" + openssl_reason() + ")");
  EVP_PKEY* pkey = nullptr;
  X509* cert = nullptr;
  STACK_OF(X509)* ca = nullptr;
  if (!PKCS12_parse(p12.get(), password.c_str(), &pkey, &cert, &ca))
    throw invalid_input(what + ": cannot open the PKCS#12 file (" + openssl_reason() +
                        "; is AZURE_CLIENT_CERTIFICATE_PASSWORD / certificate_password right?)");
  std::vector<X509Ptr> certs;
  if (cert) certs.emplace_back(cert, &X509_free);
  if (ca) {
    while (sk_X509_num(ca) > 0) certs.emplace_back(sk_X509_shift(ca), &X509_free);
    sk_X509_free(ca);
  }
  if (!pkey) throw invalid_input(what + " holds no private key");
  return assemble(checked_rsa(pkey, what), certs, what);
}

}  // namespace

PrivateKey::PrivateKey(void* evp_pkey)
    : key_(evp_pkey, [](void* p) { EVP_PKEY_free(static_cast<EVP_PKEY*>(p)); }) {}

PrivateKey load_private_key_pem(std::string_view pem, const std::string& password, const std::string& what) {
  auto bio = memory_bio(pem);
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio.get(), nullptr, &password_callback, const_cast<std::string*>(&password));
  if (!pkey) {
    auto reason = openssl_reason();
    if (pem.find("ENCRYPTED") != std::string_view::npos)
      throw invalid_input(what + ": cannot decrypt the private key (" + reason + "; wrong or missing password?)");
    throw invalid_input(what + " holds no readable PEM private key (" + reason + ")");
  }
  return checked_rsa(pkey, what);
}

ClientCertificate parse_client_certificate(std::string_view bytes, const std::string& password, const std::string& what) {
  if (bytes.find("-----BEGIN") != std::string_view::npos) return parse_pem_bundle(bytes, password, what);
  return parse_pkcs12(bytes, password, what);
}

ClientCertificate load_client_certificate(const std::string& path, const std::string& password) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw invalid_input("cannot read the client certificate " + path + ": no such file or not readable");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return parse_client_certificate(bytes.str(), password, "the client certificate " + path);
}

std::string sign_jwt(JwsAlgorithm alg, const PrivateKey& key, json::object header, const json::object& claims) {
  if (key.empty()) throw invalid_input("no private key to sign with");
  header["alg"] = alg == JwsAlgorithm::ps256 ? "PS256" : "RS256";
  header["typ"] = "JWT";
  std::string input = hash::base64url_encode(json::serialize(header)) + "." + hash::base64url_encode(json::serialize(claims));

  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha256(), nullptr, static_cast<EVP_PKEY*>(key.native())) != 1)
    throw invalid_input("cannot sign a JWT (" + openssl_reason() + ")");
  // RFC 7518 §3.5: PS256 is RSASSA-PSS with SHA-256, MGF1 with SHA-256 and a 32-byte salt.
  if (alg == JwsAlgorithm::ps256 && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
                                     EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1))
    throw invalid_input("cannot set up RSA-PSS signing (" + openssl_reason() + ")");
  std::size_t length = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  if (EVP_DigestSign(ctx.get(), nullptr, &length, data, input.size()) != 1)
    throw invalid_input("cannot sign a JWT (" + openssl_reason() + ")");
  std::string signature(length, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length, data, input.size()) != 1)
    throw invalid_input("cannot sign a JWT (" + openssl_reason() + ")");
  signature.resize(length);
  return input + "." + hash::base64url_encode(signature);
}

}  // namespace costbot::identity
