#pragma once
// Signing the JWTs that stand for a client's credential at a token endpoint: Microsoft Entra ID's
// certificate client assertion (PS256, header x5t#S256) and Google's service-account JWT bearer
// grant (RS256, header kid). Written on OpenSSL's EVP API because the packaged libjwt (1.10) has no
// PS256; RS256 goes the same way so there is one signer. Keys are RSA only (neither Entra
// certificate credentials nor Google service-account keys use anything else).
//
// Every failure throws costbot::Error(invalid_input) naming the file and what is wrong, never key
// material or passwords.
#include <boost/json.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace costbot::identity {

// An RSA private key (owns an OpenSSL EVP_PKEY).
class PrivateKey {
 public:
  PrivateKey() = default;
  explicit PrivateKey(void* evp_pkey);  // takes ownership
  bool empty() const { return !key_; }
  void* native() const { return key_.get(); }

 private:
  std::shared_ptr<void> key_;
};

// A PEM private key ("PRIVATE KEY", "RSA PRIVATE KEY", or "ENCRYPTED PRIVATE KEY" with the
// password). `what` names its origin in errors ("the key in /etc/costbot/sa.json").
PrivateKey load_private_key_pem(std::string_view pem, const std::string& password, const std::string& what);

// A client certificate with its private key, as AZURE_CLIENT_CERTIFICATE_PATH names it: a PEM file
// holding the key and the certificate (and optionally its chain), or a PKCS#12 (.pfx) file.
struct ClientCertificate {
  PrivateKey key;
  std::string der;                    // the certificate whose public key matches the private key
  std::vector<std::string> chain_der; // the certificate first, then the rest of the file's chain
  std::string sha1_thumbprint;        // raw digests of `der`
  std::string sha256_thumbprint;
  std::string subject;                // for messages ("CN=costbot")
  long long not_after = 0;            // Unix seconds
};
ClientCertificate load_client_certificate(const std::string& path, const std::string& password);
ClientCertificate parse_client_certificate(std::string_view bytes, const std::string& password, const std::string& what);

enum class JwsAlgorithm { rs256, ps256 };

// header.payload.signature, each base64url without padding; `alg` (and `typ: JWT`) are set here.
std::string sign_jwt(JwsAlgorithm alg, const PrivateKey& key, boost::json::object header,
                     const boost::json::object& claims);

}  // namespace costbot::identity
