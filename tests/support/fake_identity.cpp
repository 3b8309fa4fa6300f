#include "tests/support/fake_identity.hpp"

#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <memory>
#include <stdexcept>

#include "adapters/http/form.hpp"
#include "engine/util/hash.hpp"
#include "engine/util/strings.hpp"

namespace costbot::testing {
namespace json = boost::json;
namespace {

using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;
using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;
using KeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

BioPtr mem_bio(std::string_view s) { return BioPtr(BIO_new_mem_buf(s.data(), static_cast<int>(s.size())), &BIO_free); }

KeyPtr private_key_of(const TestRsaKey& key) {
  auto bio = mem_bio(key.private_pem);
  KeyPtr k(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
  if (!k) throw std::runtime_error("test key: cannot read its private PEM");
  return k;
}

X509Ptr cert_of(const std::string& pem) {
  auto bio = mem_bio(pem);
  X509Ptr c(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), &X509_free);
  if (!c) throw std::runtime_error("test certificate: cannot read PEM");
  return c;
}

std::string thumbprint(X509* cert, const EVP_MD* md) {
  unsigned char buf[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  X509_digest(cert, md, buf, &len);
  return hash::base64url_encode(std::string(reinterpret_cast<char*>(buf), len));
}

struct ParsedJwt {
  json::object header, claims;
  std::string signing_input, signature;
  bool ok = false;
};

ParsedJwt split_jwt(std::string_view token) {
  ParsedJwt out;
  auto a = token.find('.');
  auto b = a == std::string_view::npos ? a : token.find('.', a + 1);
  if (b == std::string_view::npos || token.find('.', b + 1) != std::string_view::npos) return out;
  std::string header, claims;
  if (!hash::base64url_decode(token.substr(0, a), header) || !hash::base64url_decode(token.substr(a + 1, b - a - 1), claims) ||
      !hash::base64url_decode(token.substr(b + 1), out.signature))
    return out;
  boost::system::error_code ec1, ec2;
  auto h = json::parse(header, ec1);
  auto c = json::parse(claims, ec2);
  if (ec1 || ec2 || !h.is_object() || !c.is_object()) return out;
  out.header = h.as_object();
  out.claims = c.as_object();
  out.signing_input = std::string(token.substr(0, b));
  out.ok = true;
  return out;
}

// RS256 (PKCS#1 v1.5) or PS256 (PSS, MGF1-SHA256, salt = 32 bytes), checked with OpenSSL.
bool verify_signature(const ParsedJwt& jwt, EVP_PKEY* key, bool pss) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  EVP_PKEY_CTX* pctx = nullptr;
  if (EVP_DigestVerifyInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key) != 1) return false;
  if (pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
              EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1))
    return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(jwt.signature.data()), jwt.signature.size(),
                          reinterpret_cast<const unsigned char*>(jwt.signing_input.data()), jwt.signing_input.size()) == 1;
}

std::string str_of(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::optional<std::int64_t> int_of(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->as_uint64());
  if (v->is_double()) return static_cast<std::int64_t>(v->as_double());
  return std::nullopt;
}

ScriptedResponse entra_error(int status, const std::string& error, long long code, const std::string& text) {
  json::object o{{"error", error},
                 {"error_description", "AADSTS" + std::to_string(code) + ": " + text +
                                           "\r\nTrace ID: 0000\r\nCorrelation ID: 1111\r\nTimestamp: 2024-01-01 00:00:00Z"},
                 {"error_codes", json::array{code}},
                 {"trace_id", "0000"},
                 {"correlation_id", "1111"},
                 {"error_uri", "https://login.microsoftonline.com/error?code=" + std::to_string(code)}};
  return ScriptedResponse::json(status, json::serialize(o));
}

ScriptedResponse google_error(int status, const std::string& error, const std::string& description) {
  return ScriptedResponse::json(status, json::serialize(json::object{{"error", error}, {"error_description", description}}));
}

std::string normalize_resource(std::string_view scope) {
  std::string s(scope);
  if (s.ends_with("/.default")) s.resize(s.size() - 8);
  if (!s.ends_with("/")) s += "/";
  return s;
}

BearerCheck check_issued(const std::map<std::string, IssuedToken>& issued, std::string_view authorization,
                         UnixSeconds now, const std::function<bool(const IssuedToken&)>& scope_ok,
                         const std::string& wanted) {
  BearerCheck out;
  if (!text::starts_with_icase(authorization, "Bearer ")) {
    out.reason = "no bearer token";
    return out;
  }
  auto token = std::string(authorization.substr(7));
  auto it = issued.find(token);
  if (it == issued.end()) {
    out.reason = "unknown token";
    return out;
  }
  if (now >= it->second.expires_at) {
    out.reason = "token expired";
    return out;
  }
  if (!scope_ok(it->second)) {
    out.reason = "token is for scope " + it->second.scope + ", not " + wanted;
    return out;
  }
  out.token = it->second;
  return out;
}

}  // namespace

std::string make_rsa_certificate(const TestRsaKey& key, const std::string& common_name, long valid_seconds) {
  auto pkey = private_key_of(key);
  X509Ptr cert(X509_new(), &X509_free);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), static_cast<long>(hash::fnv1a64(common_name) & 0x7fffffff));
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), valid_seconds);
  X509_set_pubkey(cert.get(), pkey.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  if (X509_sign(cert.get(), pkey.get(), EVP_sha256()) <= 0) throw std::runtime_error("test certificate: signing failed");
  BioPtr out(BIO_new(BIO_s_mem()), &BIO_free);
  PEM_write_bio_X509(out.get(), cert.get());
  char* data = nullptr;
  long n = BIO_get_mem_data(out.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::string make_pkcs12(const TestRsaKey& key, const std::string& certificate_pem, const std::string& password) {
  auto pkey = private_key_of(key);
  auto cert = cert_of(certificate_pem);
  std::unique_ptr<PKCS12, decltype(&PKCS12_free)> p12(
      PKCS12_create(password.c_str(), "costbot", pkey.get(), cert.get(), nullptr, 0, 0, 0, 0, 0), &PKCS12_free);
  if (!p12) throw std::runtime_error("test PKCS#12: creation failed");
  int len = i2d_PKCS12(p12.get(), nullptr);
  std::string out(static_cast<std::size_t>(len), '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  i2d_PKCS12(p12.get(), &p);
  return out;
}

// ---------------------------------------------------------------------------------------------
// FakeEntra

FakeEntra::FakeEntra(const Clock& clock) : clock_(clock), identity_header_(hash::random_hex(16)) {
  server_.otherwise([this](const RecordedRequest& r) {
    if (r.method == "POST" && r.path.ends_with("/oauth2/v2.0/token")) return token_endpoint_answer(r);
    if (r.method == "GET" && r.path == "/metadata/identity/oauth2/token") return imds_answer(r);
    if (r.method == "GET" && r.path == "/msi/token") return app_service_answer(r);
    return ScriptedResponse::json(404, R"({"error":"not_found"})");
  });
}

void FakeEntra::add_app(EntraApp app) {
  std::lock_guard lock(mutex_);
  apps_.push_back(std::move(app));
}

void FakeEntra::set_managed_identity(std::string client_id) {
  std::lock_guard lock(mutex_);
  managed_identity_ = std::move(client_id);
}

std::string FakeEntra::token_endpoint(const std::string& tenant) const {
  return server_.url() + "/" + tenant + "/oauth2/v2.0/token";
}

std::string FakeEntra::issue(const std::string& to, const std::string& scope, const std::string& method) {
  auto token = "eyFAKE." + hash::random_hex(24);
  issued_[token] = IssuedToken{to, scope, clock_.now() + token_lifetime, method};
  return token;
}

std::size_t FakeEntra::tokens_issued() const {
  std::lock_guard lock(mutex_);
  return issued_.size();
}

BearerCheck FakeEntra::check_bearer(std::string_view authorization, std::string_view scope) const {
  std::lock_guard lock(mutex_);
  auto wanted = normalize_resource(scope);
  return check_issued(issued_, authorization, clock_.now(),
                      [&](const IssuedToken& t) { return normalize_resource(t.scope) == wanted; }, wanted);
}

ScriptedResponse FakeEntra::token_endpoint_answer(const RecordedRequest& r) {
  const auto now = clock_.now();
  auto tenant = r.path.substr(1, r.path.find('/', 1) - 1);
  if (!text::starts_with_icase(r.header("content-type"), "application/x-www-form-urlencoded"))
    return entra_error(400, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.");
  http::FormFields form;
  try {
    form = http::decode_form(r.body);
  } catch (const std::exception&) {
    return entra_error(400, "invalid_request", 900144, "The request body is not form encoded.");
  }
  auto field = [&](std::string_view k) { return http::form_value(form, k).value_or(""); };
  std::lock_guard lock(mutex_);
  const EntraApp* app = nullptr;
  bool tenant_known = false;
  for (const auto& a : apps_) {
    tenant_known = tenant_known || a.tenant_id == tenant;
    if (a.tenant_id == tenant && a.client_id == field("client_id")) app = &a;
  }
  if (!tenant_known) return entra_error(400, "invalid_request", 90002, "Tenant '" + tenant + "' not found.");
  if (field("grant_type") != "client_credentials")
    return entra_error(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.");
  auto scope = field("scope");
  if (!scope.ends_with("/.default"))
    return entra_error(400, "invalid_scope", 1002012, "The provided value for scope " + scope + " is not valid.");
  if (!app)
    return entra_error(400, "unauthorized_client", 700016,
                       "Application with identifier '" + field("client_id") + "' was not found in the directory '" + tenant + "'.");
  auto secret = field("client_secret");
  auto assertion = field("client_assertion");
  if (secret.empty() == assertion.empty())
    return entra_error(401, "invalid_client", 7000218,
                       "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
  if (!secret.empty()) {
    for (const auto& s : app->secrets)
      if (hash::equal_constant_time(s.value, secret)) {
        if (now >= s.expires_at)
          return entra_error(401, "invalid_client", 7000222,
                             "The provided client secret keys for app '" + app->client_id + "' are expired.");
        return ScriptedResponse::json(200, json::serialize(json::object{
                                               {"token_type", "Bearer"},
                                               {"expires_in", token_lifetime},
                                               {"ext_expires_in", token_lifetime},
                                               {"access_token", issue(app->client_id, scope, "client_secret")}}));
      }
    return entra_error(401, "invalid_client", 7000215, "Invalid client secret provided.");
  }
  if (field("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
    return entra_error(400, "invalid_request", 50027, "Invalid client_assertion_type.");
  auto jwt = split_jwt(assertion);
  if (!jwt.ok) return entra_error(400, "invalid_request", 50027, "JWT token is invalid or malformed.");
  auto alg = str_of(jwt.header, "alg");
  auto claims_time_ok = [&](const json::object& c) {
    auto exp = int_of(c, "exp");
    auto nbf = int_of(c, "nbf");
    return exp && now < *exp + clock_skew && (!nbf || *nbf <= now + clock_skew);
  };
  auto x5t256 = str_of(jwt.header, "x5t#S256");
  auto x5t = str_of(jwt.header, "x5t");
  std::string method;
  if (!x5t256.empty() || !x5t.empty()) {
    // A certificate credential: find the registered certificate by its thumbprint.
    X509Ptr cert(nullptr, &X509_free);
    for (const auto& pem : app->certificates_pem) {
      auto c = cert_of(pem);
      if ((!x5t256.empty() && thumbprint(c.get(), EVP_sha256()) == x5t256) ||
          (x5t256.empty() && thumbprint(c.get(), EVP_sha1()) == x5t)) {
        cert = std::move(c);
        break;
      }
    }
    if (!cert)
      return entra_error(401, "invalid_client", 700027,
                         "The certificate with identifier used to sign the client assertion is not registered on application.");
    bool pss = alg == "PS256";
    if (!pss && alg != "RS256") return entra_error(401, "invalid_client", 700027, "Unsupported signing algorithm " + alg + ".");
    if (pss && x5t256.empty()) return entra_error(401, "invalid_client", 700027, "PS256 assertions must carry x5t#S256.");
    if (!verify_signature(jwt, X509_get0_pubkey(cert.get()), pss))
      return entra_error(401, "invalid_client", 700027, "Client assertion failed signature validation.");
    if (str_of(jwt.claims, "aud") != token_endpoint(tenant))
      return entra_error(401, "invalid_client", 50027, "Invalid JWT token. Audience validation failed.");
    if (str_of(jwt.claims, "iss") != app->client_id || str_of(jwt.claims, "sub") != app->client_id)
      return entra_error(401, "invalid_client", 50027, "Invalid JWT token. The iss and sub claims must be the client id.");
    if (str_of(jwt.claims, "jti").empty())
      return entra_error(401, "invalid_client", 50027, "Invalid JWT token. No jti claim.");
    if (!claims_time_ok(jwt.claims))
      return entra_error(401, "invalid_client", 700024, "Client assertion is not within its valid time range.");
    method = "client_certificate";
  } else {
    // A federated credential: a token from another issuer, trusted by a federated identity record.
    auto iss = str_of(jwt.claims, "iss"), sub = str_of(jwt.claims, "sub"), aud = str_of(jwt.claims, "aud");
    const EntraApp::Federated* match = nullptr;
    bool issuer_known = false, audience_ok = false;
    for (const auto& f : app->federated) {
      if (f.issuer != iss) continue;
      issuer_known = true;
      if (f.audience != aud) continue;
      audience_ok = true;
      if (f.subject == sub) match = &f;
    }
    if (!issuer_known)
      return entra_error(400, "invalid_request", 700211, "No matching federated identity record found for presented assertion issuer '" + iss + "'.");
    if (!audience_ok)
      return entra_error(400, "invalid_request", 700212, "No matching federated identity record found for presented assertion audience '" + aud + "'.");
    if (!match)
      return entra_error(400, "invalid_request", 700213, "No matching federated identity record found for presented assertion subject '" + sub + "'.");
    auto bio = mem_bio(match->issuer_public_key_pem);
    KeyPtr key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
    if (alg != "RS256" || !key || !verify_signature(jwt, key.get(), false))
      return entra_error(400, "invalid_request", 700027, "Client assertion failed signature validation.");
    if (!claims_time_ok(jwt.claims))
      return entra_error(400, "invalid_request", 700024, "Client assertion is not within its valid time range.");
    method = "workload_identity";
  }
  return ScriptedResponse::json(200, json::serialize(json::object{{"token_type", "Bearer"},
                                                                  {"expires_in", token_lifetime},
                                                                  {"ext_expires_in", token_lifetime},
                                                                  {"access_token", issue(app->client_id, scope, method)}}));
}

ScriptedResponse FakeEntra::imds_answer(const RecordedRequest& r) {
  if (r.header("metadata") != "true")
    return ScriptedResponse::json(400, R"({"error":"invalid_request","error_description":"Required metadata header not specified"})");
  if (r.query("api-version").empty())
    return ScriptedResponse::json(400, R"({"error":"invalid_request","error_description":"Required query variable 'api-version' is missing"})");
  auto resource = r.query("resource");
  if (resource.empty())
    return ScriptedResponse::json(400, R"({"error":"invalid_request","error_description":"Required query variable 'resource' is missing"})");
  std::lock_guard lock(mutex_);
  auto wanted = r.query("client_id");
  if (!managed_identity_ || (!wanted.empty() && wanted != *managed_identity_))
    return ScriptedResponse::json(400, R"({"error":"invalid_request","error_description":"Identity not found"})");
  auto now = clock_.now();
  auto token = issue("managed-identity:" + *managed_identity_, resource, "imds");
  // IMDS sends every member as a string.
  return ScriptedResponse::json(
      200, json::serialize(json::object{{"access_token", token},
                                        {"client_id", *managed_identity_},
                                        {"expires_in", std::to_string(token_lifetime)},
                                        {"expires_on", std::to_string(now + token_lifetime)},
                                        {"ext_expires_in", std::to_string(token_lifetime)},
                                        {"not_before", std::to_string(now)},
                                        {"resource", resource},
                                        {"token_type", "Bearer"}}));
}

ScriptedResponse FakeEntra::app_service_answer(const RecordedRequest& r) {
  if (r.header("x-identity-header") != identity_header_)
    return ScriptedResponse::json(401, R"({"statusCode":401,"message":"Unauthorized request. X-IDENTITY-HEADER is missing or wrong."})");
  if (r.query("api-version") != "2019-08-01")
    return ScriptedResponse::json(400, R"({"statusCode":400,"message":"api-version 2019-08-01 required"})");
  auto resource = r.query("resource");
  std::lock_guard lock(mutex_);
  if (!managed_identity_ || resource.empty())
    return ScriptedResponse::json(400, R"({"statusCode":400,"message":"Identity not found"})");
  auto now = clock_.now();
  auto token = issue("managed-identity:" + *managed_identity_, resource, "app_service");
  return ScriptedResponse::json(200, json::serialize(json::object{{"access_token", token},
                                                                  {"expires_on", std::to_string(now + token_lifetime)},
                                                                  {"resource", resource},
                                                                  {"token_type", "Bearer"},
                                                                  {"client_id", *managed_identity_}}));
}

// ---------------------------------------------------------------------------------------------
// FakeGoogleAuth

FakeGoogleAuth::FakeGoogleAuth(const Clock& clock) : clock_(clock) {
  server_.on("POST", "/token", [this](const RecordedRequest& r) { return token_answer(r); });
  server_.on("GET", "/computeMetadata/v1/instance/service-accounts/default/token",
             [this](const RecordedRequest& r) { return metadata_token_answer(r); });
  server_.on("GET", "/computeMetadata/v1/project/project-id", [this](const RecordedRequest& r) {
    if (r.header("metadata-flavor") != "Google") return ScriptedResponse::text(403, "Missing Metadata-Flavor:Google header.");
    std::lock_guard lock(mutex_);
    return ScriptedResponse::text(200, metadata_project_).header("Metadata-Flavor", "Google");
  });
}

void FakeGoogleAuth::add_service_account(GoogleServiceAccount account) {
  std::lock_guard lock(mutex_);
  accounts_.push_back(std::move(account));
}

void FakeGoogleAuth::add_refresh_token(std::string client_id, std::string client_secret, std::string refresh_token) {
  std::lock_guard lock(mutex_);
  refresh_tokens_.push_back({std::move(client_id), std::move(client_secret), std::move(refresh_token)});
}

void FakeGoogleAuth::set_metadata_identity(std::string email, std::string project_id) {
  std::lock_guard lock(mutex_);
  metadata_email_ = std::move(email);
  metadata_project_ = std::move(project_id);
}

std::string FakeGoogleAuth::metadata_host() const { return "127.0.0.1:" + std::to_string(server_.port()); }

std::string FakeGoogleAuth::key_file_json(const GoogleServiceAccount& account, const std::string& project_id) const {
  return json::serialize(json::object{{"type", "service_account"},
                                      {"project_id", project_id},
                                      {"private_key_id", account.key->kid},
                                      {"private_key", account.key->private_pem},
                                      {"client_email", account.email},
                                      {"client_id", "1234567890"},
                                      {"auth_uri", "https://accounts.google.com/o/oauth2/auth"},
                                      {"token_uri", token_uri()},
                                      {"universe_domain", "googleapis.com"}});
}

std::string FakeGoogleAuth::issue(const std::string& to, const std::string& scope, const std::string& method) {
  auto token = "ya29.fake-" + hash::random_hex(24);
  issued_[token] = IssuedToken{to, scope, clock_.now() + token_lifetime, method};
  return token;
}

std::size_t FakeGoogleAuth::tokens_issued() const {
  std::lock_guard lock(mutex_);
  return issued_.size();
}

BearerCheck FakeGoogleAuth::check_bearer(std::string_view authorization, std::string_view required_scope) const {
  std::lock_guard lock(mutex_);
  std::string wanted(required_scope);
  return check_issued(
      issued_, authorization, clock_.now(),
      [&](const IssuedToken& t) {
        for (const auto& s : text::split_words(text::replace_all(t.scope, ",", " "))) {
          if (s == wanted || s == "https://www.googleapis.com/auth/cloud-platform") return true;
          // The read-only scopes also satisfy a read-only requirement.
          if (s == "https://www.googleapis.com/auth/cloud-platform.read-only" && wanted.ends_with(".readonly")) return true;
        }
        return false;
      },
      wanted);
}

ScriptedResponse FakeGoogleAuth::token_answer(const RecordedRequest& r) {
  const auto now = clock_.now();
  http::FormFields form;
  try {
    form = http::decode_form(r.body);
  } catch (const std::exception&) {
    return google_error(400, "invalid_request", "Invalid request body.");
  }
  auto field = [&](std::string_view k) { return http::form_value(form, k).value_or(""); };
  std::lock_guard lock(mutex_);
  auto grant = field("grant_type");
  if (grant == "refresh_token") {
    for (const auto& t : refresh_tokens_)
      if (t.client_id == field("client_id")) {
        if (t.client_secret != field("client_secret")) return google_error(401, "invalid_client", "Unauthorized");
        if (t.token != field("refresh_token")) return google_error(400, "invalid_grant", "Token has been expired or revoked.");
        return ScriptedResponse::json(200, json::serialize(json::object{
                                               {"access_token", issue(t.client_id, "https://www.googleapis.com/auth/cloud-platform", "refresh_token")},
                                               {"expires_in", token_lifetime},
                                               {"token_type", "Bearer"}}));
      }
    return google_error(401, "invalid_client", "The OAuth client was not found.");
  }
  if (grant != "urn:ietf:params:oauth:grant-type:jwt-bearer")
    return google_error(400, "unsupported_grant_type", "Invalid grant_type: " + grant);
  auto assertion = field("assertion");
  auto parsed = split_jwt(assertion);
  if (!parsed.ok) return google_error(400, "invalid_grant", "Invalid JWT: the assertion is not a JWT.");
  auto kid = str_of(parsed.header, "kid");
  const GoogleServiceAccount* account = nullptr;
  for (const auto& a : accounts_)
    if (a.key && a.key->kid == kid) account = &a;
  if (!account || account->deleted_key) return google_error(400, "invalid_grant", "Invalid JWT Signature.");
  // The signature, with libjwt (an implementation apart from costbot's signer), RS256 only.
  if (str_of(parsed.header, "alg") != "RS256") return google_error(400, "invalid_grant", "Invalid JWT Signature.");
  jwt_t* decoded = nullptr;
  const auto& pem = account->key->public_pem;
  int rc = jwt_decode(&decoded, assertion.c_str(), reinterpret_cast<const unsigned char*>(pem.data()), static_cast<int>(pem.size()));
  if (decoded) jwt_free(decoded);
  if (rc != 0) return google_error(400, "invalid_grant", "Invalid JWT Signature.");
  if (str_of(parsed.claims, "iss") != account->email) return google_error(400, "invalid_grant", "Invalid JWT Signature.");
  if (str_of(parsed.claims, "aud") != token_uri())
    return google_error(400, "invalid_grant", "Invalid JWT: Failed audience check. The right audience is " + token_uri());
  auto iat = int_of(parsed.claims, "iat");
  auto exp = int_of(parsed.claims, "exp");
  if (!iat || !exp || *exp - *iat > 3600 || *exp <= *iat || *iat > now + clock_skew || *exp < now - clock_skew)
    return google_error(400, "invalid_grant",
                        "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. "
                        "Check your iat and exp values in the JWT claim.");
  auto scope = str_of(parsed.claims, "scope");
  if (scope.empty()) return google_error(400, "invalid_scope", "Invalid OAuth scope or ID token audience provided.");
  return ScriptedResponse::json(200, json::serialize(json::object{{"access_token", issue(account->email, scope, "jwt_bearer")},
                                                                  {"expires_in", token_lifetime},
                                                                  {"token_type", "Bearer"}}));
}

ScriptedResponse FakeGoogleAuth::metadata_token_answer(const RecordedRequest& r) {
  if (r.header("metadata-flavor") != "Google")
    return ScriptedResponse::text(403, "Missing Metadata-Flavor:Google header.").header("Metadata-Flavor", "Google");
  std::lock_guard lock(mutex_);
  if (metadata_email_.empty()) return ScriptedResponse::text(404, "Not Found").header("Metadata-Flavor", "Google");
  auto scopes = r.query("scopes");
  if (scopes.empty()) scopes = "https://www.googleapis.com/auth/cloud-platform";
  return ScriptedResponse::json(200, json::serialize(json::object{{"access_token", issue(metadata_email_, scopes, "metadata")},
                                                                  {"expires_in", token_lifetime},
                                                                  {"token_type", "Bearer"}}))
      .header("Metadata-Flavor", "Google");
}

}  // namespace costbot::testing
