// adapters/identity against loopback stand-ins of Entra ID, Azure IMDS / App Service, Google's
// token endpoint and the GCE metadata server (tests/support/fake_identity.hpp), which verify the
// assertions the way the real services do.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>

#include "adapters/http/client.hpp"
#include "adapters/identity/entra.hpp"
#include "adapters/identity/google.hpp"
#include "adapters/identity/jws.hpp"
#include "engine/util/hash.hpp"
#include "engine/util/log.hpp"
#include "tests/support/fake_identity.hpp"
#include "tests/support/test_clock.hpp"
#include "tests/support/test_support.hpp"

using namespace costbot;
using namespace costbot::identity;
using testing::EntraApp;
using testing::FakeEntra;
using testing::FakeGoogleAuth;
using testing::TempDir;
using testing::TestClock;

namespace {

constexpr UnixSeconds kIdentityNow = 1717200000;  // 2024-06-01T00:00:00Z
const char* kStorage = "https://storage.azure.com/.default";
const char* kManagement = "https://management.azure.com/.default";

http::ClientOptions quick_client() {
  http::ClientOptions o;
  o.connect_timeout = std::chrono::milliseconds(1000);
  o.request_timeout = std::chrono::milliseconds(3000);
  o.retry_base_delay = std::chrono::milliseconds(5);
  o.retry_max_delay = std::chrono::milliseconds(20);
  return o;
}

Environment env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) {
    auto it = vars.find(name);
    return it == vars.end() ? std::string() : it->second;
  };
}

// The message of what `f` throws (empty when it does not throw).
template <class F>
std::string failure_of(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return {};
}

template <class F>
std::string code_of(F&& f) {
  try {
    f();
  } catch (const http::RemoteError& e) {
    return e.code();
  }
  return {};
}

struct EntraFixture {
  TestClock clock{kIdentityNow};
  FakeEntra entra{clock};
  http::Client client{quick_client()};
  TempDir dir;
  const testing::TestRsaKey& app_key = testing::test_rsa_key("entra-app-cert");
  std::string cert_pem = testing::make_rsa_certificate(app_key, "costbot-billing");

  EntraFixture() {
    EntraApp app;
    app.tenant_id = "contoso";
    app.client_id = "11111111-2222-3333-4444-555555555555";
    app.secrets = {{"good-secret-value-1", kIdentityNow + 86400}, {"expired-secret-value", kIdentityNow - 60}};
    app.certificates_pem = {cert_pem};
    entra.add_app(app);
  }

  EntraOptions app_options() const {
    EntraOptions o;
    o.authority_host = entra.authority();
    o.tenant_id = "contoso";
    o.client_id = "11111111-2222-3333-4444-555555555555";
    return o;
  }
};

}  // namespace

TEST_CASE("Entra client secret: a token per scope, cached, renewed five minutes before expiry", "[identity]") {
  EntraFixture f;
  auto o = f.app_options();
  o.client_secret = "good-secret-value-1";
  EntraCredential cred(f.client, resolve_entra_options(o, env_of({})), f.clock);
  CHECK(cred.method() == EntraMethod::client_secret);

  auto storage = cred.token(kStorage);
  CHECK(f.entra.check_bearer("Bearer " + storage, kStorage));
  auto wrong_scope = f.entra.check_bearer("Bearer " + storage, kManagement);
  CHECK_FALSE(wrong_scope);
  CHECK(wrong_scope.reason.find("scope") != std::string::npos);
  CHECK(cred.token(kStorage) == storage);  // cached
  auto management = cred.token(kManagement);
  CHECK(management != storage);
  CHECK(cred.fetches() == 2);

  auto body = f.entra.server().requests().front().body;
  CHECK(body.find("grant_type=client_credentials") != std::string::npos);
  CHECK(body.find("scope=https%3A%2F%2Fstorage.azure.com%2F.default") != std::string::npos);

  f.clock.advance(3600 - 301);  // still more than five minutes left
  CHECK(cred.token(kStorage) == storage);
  f.clock.advance(2);  // now less than five minutes left: renewed
  auto renewed = cred.token(kStorage);
  CHECK(renewed != storage);
  CHECK(f.entra.check_bearer("Bearer " + renewed, kStorage));

  // The token the service refused is dropped at once.
  cred.invalidate(kStorage);
  CHECK(cred.token(kStorage) != renewed);
  // Tokens are redacted from logs while cached.
  CHECK(log::redact("Authorization: Bearer " + cred.token(kStorage)) == "Authorization: Bearer [redacted]");
}

TEST_CASE("Entra client secret failures are explained, and never show the secret", "[identity]") {
  EntraFixture f;
  auto o = f.app_options();
  SECTION("a wrong secret") {
    o.client_secret = "not-the-registered-one";
    EntraCredential cred(f.client, resolve_entra_options(o, env_of({})), f.clock);
    auto message = failure_of([&] { cred.token(kStorage); });
    CHECK(message.find("the client secret is wrong") != std::string::npos);
    CHECK(message.find("not-the-registered-one") == std::string::npos);
    CHECK(message.find("Trace ID") == std::string::npos);
    CHECK(code_of([&] { cred.token(kStorage); }) == "AADSTS7000215");
  }
  SECTION("an expired secret") {
    o.client_secret = "expired-secret-value";
    EntraCredential cred(f.client, resolve_entra_options(o, env_of({})), f.clock);
    auto message = failure_of([&] { cred.token(kStorage); });
    CHECK(message.find("the client secret has expired") != std::string::npos);
    CHECK(message.find("expired-secret-value") == std::string::npos);
  }
  SECTION("an unknown app and an unknown tenant") {
    o.client_secret = "good-secret-value-1";
    o.client_id = "99999999-0000-0000-0000-000000000000";
    EntraCredential app(f.client, resolve_entra_options(o, env_of({})), f.clock);
    CHECK(failure_of([&] { app.token(kStorage); }).find("no application with this client id") != std::string::npos);
    o.tenant_id = "fabrikam";
    EntraCredential tenant(f.client, resolve_entra_options(o, env_of({})), f.clock);
    CHECK(failure_of([&] { tenant.token(kStorage); }).find("the tenant does not exist") != std::string::npos);
  }
}

TEST_CASE("Entra client certificate: a PS256 assertion the token endpoint verifies against the registered certificate", "[identity]") {
  EntraFixture f;
  auto o = f.app_options();
  auto pem_path = f.dir.write("app.pem", f.app_key.private_pem + f.cert_pem);

  SECTION("PEM with the key and the certificate, PS256 and x5t#S256") {
    o.certificate_path = pem_path;
    EntraCredential cred(f.client, resolve_entra_options(o, env_of({})), f.clock);
    CHECK(cred.method() == EntraMethod::client_certificate);
    auto token = cred.token(kManagement);
    auto check = f.entra.check_bearer("Bearer " + token, kManagement);
    REQUIRE(check);
    CHECK(check.token->method == "client_certificate");
    CHECK(cred.describe().find("client certificate") != std::string::npos);
  }
  SECTION("legacy RS256 with x5t (SHA-1)") {
    o.certificate_path = pem_path;
    o.certificate_rs256 = true;
    EntraCredential cred(f.client, resolve_entra_options(o, env_of({})), f.clock);
    CHECK(f.entra.check_bearer("Bearer " + cred.token(kManagement), kManagement));
  }
  SECTION("a PKCS#12 file named by AZURE_CLIENT_CERTIFICATE_PATH with its password") {
    auto pfx = f.dir.write("app.pfx", testing::make_pkcs12(f.app_key, f.cert_pem, "pfx-pass-word"));
    auto env = env_of({{"AZURE_TENANT_ID", "contoso"},
                       {"AZURE_CLIENT_ID", "11111111-2222-3333-4444-555555555555"},
                       {"AZURE_CLIENT_CERTIFICATE_PATH", pfx},
                       {"AZURE_CLIENT_CERTIFICATE_PASSWORD", "pfx-pass-word"},
                       {"AZURE_AUTHORITY_HOST", f.entra.authority() + "/"}});
    EntraCredential cred(f.client, resolve_entra_options({}, env), f.clock);
    CHECK(f.entra.check_bearer("Bearer " + cred.token(kManagement), kManagement));

    auto wrong = resolve_entra_options({}, env);
    wrong.certificate_password = "nope";
    EntraCredential bad(f.client, wrong, f.clock);
    auto message = failure_of([&] { bad.token(kManagement); });
    CHECK(message.find("cannot open the PKCS#12 file") != std::string::npos);
    CHECK(message.find("nope") == std::string::npos);
  }
  SECTION("a certificate that is not registered on the app") {
    const auto& other = testing::test_rsa_key("entra-other-cert");
    o.certificate_path = f.dir.write("other.pem", other.private_pem + testing::make_rsa_certificate(other, "stranger"));
    EntraCredential cred(f.client, resolve_entra_options(o, env_of({})), f.clock);
    auto message = failure_of([&] { cred.token(kManagement); });
    CHECK(message.find("the certificate is not registered on the app") != std::string::npos);
    CHECK(message.find("AADSTS700027") != std::string::npos);
  }
  SECTION("a key that does not belong to the certificate in the file") {
    const auto& other = testing::test_rsa_key("entra-other-cert");
    o.certificate_path = f.dir.write("mixed.pem", other.private_pem + f.cert_pem);
    EntraCredential cred(f.client, resolve_entra_options(o, env_of({})), f.clock);
    CHECK(failure_of([&] { cred.token(kManagement); }).find("no certificate matching its private key") != std::string::npos);
  }
  SECTION("this machine's clock 20 minutes behind: clock skew, in words") {
    o.certificate_path = pem_path;
    TestClock slow(kIdentityNow - 1200);
    EntraCredential cred(f.client, resolve_entra_options(o, env_of({})), slow);
    auto message = failure_of([&] { cred.token(kManagement); });
    CHECK(message.find("clock skew") != std::string::npos);
  }
}

TEST_CASE("Entra workload identity: the federated token file is re-read at every exchange", "[identity]") {
  EntraFixture f;
  const auto& issuer_key = testing::test_rsa_key("aks-oidc-issuer");
  EntraApp app;
  app.tenant_id = "contoso";
  app.client_id = "aaaaaaaa-0000-0000-0000-000000000001";
  app.federated.push_back({"https://oidc.aks.example/issuer", "system:serviceaccount:finops:costbot",
                           "api://AzureADTokenExchange", issuer_key.public_pem});
  f.entra.add_app(app);
  auto federated = [&](const std::string& audience, UnixSeconds exp) {
    return testing::sign_rs256(issuer_key, boost::json::object{{"iss", "https://oidc.aks.example/issuer"},
                                                              {"sub", "system:serviceaccount:finops:costbot"},
                                                              {"aud", audience},
                                                              {"iat", kIdentityNow},
                                                              {"exp", exp}});
  };
  auto token_file = f.dir.write("token", federated("api://AzureADTokenExchange", kIdentityNow + 3600));
  auto env = env_of({{"AZURE_TENANT_ID", "contoso"},
                     {"AZURE_CLIENT_ID", "aaaaaaaa-0000-0000-0000-000000000001"},
                     {"AZURE_FEDERATED_TOKEN_FILE", token_file},
                     {"AZURE_AUTHORITY_HOST", f.entra.authority()}});
  auto options = resolve_entra_options({}, env);
  CHECK(options.method == EntraMethod::workload_identity);
  EntraCredential cred(f.client, options, f.clock);
  CHECK(f.entra.check_bearer("Bearer " + cred.token(kStorage), kStorage));

  // The platform rotates the file; a token with the wrong audience now sits there.
  f.dir.write("token", federated("api://something-else", kIdentityNow + 7200));
  f.clock.advance(3590);  // the cached token has 10 s left: too little to keep using it
  auto message = failure_of([&] { cred.token(kStorage); });
  CHECK(message.find("audience") != std::string::npos);
  CHECK(message.find("AADSTS700212") != std::string::npos);
}

TEST_CASE("Azure managed identity: IMDS with Metadata: true, and the App Service endpoint with its header", "[identity]") {
  EntraFixture f;
  SECTION("IMDS, system-assigned") {
    f.entra.set_managed_identity("mi-client-1");
    auto options = resolve_entra_options({}, env_of({{"AZURE_POD_IDENTITY_AUTHORITY_HOST", f.entra.imds_endpoint()}}));
    CHECK(options.method == EntraMethod::managed_identity);
    EntraCredential cred(f.client, options, f.clock);
    auto check = f.entra.check_bearer("Bearer " + cred.token(kManagement), "https://management.azure.com/");
    REQUIRE(check);
    CHECK(check.token->method == "imds");
    auto request = f.entra.server().requests().back();
    CHECK(request.header("metadata") == "true");
    CHECK(request.target.find("api-version=2018-02-01") != std::string::npos);
    CHECK(request.target.find("resource=https%3A%2F%2Fmanagement.azure.com%2F") != std::string::npos);
    // expires_on / expires_in arrive as strings; the token lives an hour, so it is cached.
    f.clock.advance(3000);
    cred.token(kManagement);
    CHECK(cred.fetches() == 1);
  }
  SECTION("IMDS on a VM without an identity, or with another user-assigned one") {
    EntraOptions o;
    o.imds_endpoint = f.entra.imds_endpoint();
    EntraCredential none(f.client, resolve_entra_options(o, env_of({})), f.clock);
    CHECK(failure_of([&] { none.token(kManagement); }).find("has no managed identity") != std::string::npos);
    f.entra.set_managed_identity("mi-client-1");
    o.client_id = "mi-client-2";
    EntraCredential other(f.client, resolve_entra_options(o, env_of({})), f.clock);
    CHECK(failure_of([&] { other.token(kManagement); }).find("with client id mi-client-2") != std::string::npos);
  }
  SECTION("App Service / Functions: IDENTITY_ENDPOINT and IDENTITY_HEADER") {
    f.entra.set_managed_identity("mi-app-service");
    auto env = env_of({{"IDENTITY_ENDPOINT", f.entra.app_service_endpoint()}, {"IDENTITY_HEADER", f.entra.identity_header()}});
    EntraCredential cred(f.client, resolve_entra_options({}, env), f.clock);
    auto check = f.entra.check_bearer("Bearer " + cred.token(kStorage), kStorage);
    REQUIRE(check);
    CHECK(check.token->method == "app_service");
    CHECK(cred.describe().find("App Service") != std::string::npos);
    auto wrong = env_of({{"IDENTITY_ENDPOINT", f.entra.app_service_endpoint()}, {"IDENTITY_HEADER", "guess"}});
    EntraCredential bad(f.client, resolve_entra_options({}, wrong), f.clock);
    CHECK(failure_of([&] { bad.token(kStorage); }).find("HTTP 401") != std::string::npos);
  }
  SECTION("nothing answers at the IMDS address") {
    EntraOptions o;
    o.imds_endpoint = "http://127.0.0.1:1";
    EntraCredential cred(f.client, resolve_entra_options(o, env_of({})), f.clock);
    CHECK(failure_of([&] { cred.token(kManagement); }).find("not on an Azure resource with a managed identity") != std::string::npos);
  }
}

TEST_CASE("Entra options: the SDKs' environment, configured values first, each method's needs named", "[identity]") {
  auto env = env_of({{"AZURE_TENANT_ID", "env-tenant"},
                     {"AZURE_CLIENT_ID", "env-client"},
                     {"AZURE_CLIENT_SECRET", "env-secret-value"},
                     {"AZURE_CLIENT_CERTIFICATE_PATH", "/etc/cert.pem"},
                     {"AZURE_AUTHORITY_HOST", "https://login.microsoftonline.us/"}});
  auto o = resolve_entra_options({}, env);
  CHECK(o.method == EntraMethod::client_secret);  // a secret wins over a certificate, as in the SDKs
  CHECK(o.authority_host == "https://login.microsoftonline.us");
  CHECK(entra_token_endpoint(o) == "https://login.microsoftonline.us/env-tenant/oauth2/v2.0/token");
  CHECK(log::redact("secret=env-secret-value") == "secret=[redacted]");

  EntraOptions configured;
  configured.tenant_id = "cfg-tenant";
  configured.method = EntraMethod::client_certificate;
  auto c = resolve_entra_options(configured, env);
  CHECK(c.tenant_id == "cfg-tenant");
  CHECK(c.method == EntraMethod::client_certificate);
  CHECK(c.authority_host == "https://login.microsoftonline.us");

  EntraOptions missing;
  missing.method = EntraMethod::workload_identity;
  missing.tenant_id = "t";
  missing.client_id = "c";
  CHECK(failure_of([&] { resolve_entra_options(missing, env_of({})); }).find("AZURE_FEDERATED_TOKEN_FILE") != std::string::npos);
  CHECK(resolve_entra_options({}, env_of({})).method == EntraMethod::managed_identity);
  CHECK(resolve_entra_options({}, env_of({})).imds_endpoint == "http://169.254.169.254");
  CHECK_THROWS_WITH(parse_entra_method("secret"), Catch::Contains("valid: automatic, client_secret"));
}

TEST_CASE("A token that cannot be renewed is used while it is still valid", "[identity]") {
  EntraFixture f;
  auto o = f.app_options();
  o.client_secret = "good-secret-value-1";
  EntraCredential cred(f.client, resolve_entra_options(o, env_of({})), f.clock);
  auto first = cred.token(kStorage);
  f.clock.advance(3600 - 200);  // renewal due, still 200 s valid
  f.entra.server().script("POST", "/contoso/oauth2/v2.0/token", testing::ScriptedResponse::json(400, R"({"error":"invalid_request"})"));
  CHECK(cred.token(kStorage) == first);
  f.clock.advance(190);  // 10 s left: below the minimum, so a failure now is an error
  f.entra.server().script("POST", "/contoso/oauth2/v2.0/token", testing::ScriptedResponse::json(400, R"({"error":"invalid_request"})"));
  CHECK_THROWS(cred.token(kStorage));
  CHECK(cred.token(kStorage) != first);
}

// ---------------------------------------------------------------------------------------------
// Google

namespace {

struct GoogleFixture {
  TestClock clock{kIdentityNow};
  FakeGoogleAuth google{clock};
  http::Client client{quick_client()};
  TempDir dir;
  const testing::TestRsaKey& key = testing::test_rsa_key("gcp-sa-key-1");
  testing::GoogleServiceAccount account{"costbot-billing@acme-finops.iam.gserviceaccount.com", &key, false};

  GoogleFixture() { google.add_service_account(account); }
};

const char* kIdentityTestBigQueryScope = "https://www.googleapis.com/auth/bigquery.readonly";

}  // namespace

TEST_CASE("Google service-account key: an RS256 JWT bearer grant the token endpoint verifies", "[identity]") {
  GoogleFixture f;
  auto key_path = f.dir.write("sa.json", f.google.key_file_json(f.account, "acme-finops"));
  GoogleOptions o;
  o.scopes = {kIdentityTestBigQueryScope};
  auto resolved = resolve_google_options(o, env_of({{"GOOGLE_APPLICATION_CREDENTIALS", key_path}}));
  CHECK(resolved.method == GoogleMethod::key_file);
  GoogleCredential cred(f.client, resolved, f.clock);
  auto token = cred.token();
  auto check = f.google.check_bearer("Bearer " + token, kIdentityTestBigQueryScope);
  REQUIRE(check);
  CHECK(check.token->issued_to == f.account.email);
  CHECK(check.token->method == "jwt_bearer");
  CHECK_FALSE(f.google.check_bearer("Bearer " + token, "https://www.googleapis.com/auth/bigquery"));
  CHECK(cred.project_id() == "acme-finops");
  CHECK(cred.describe().find(f.account.email) != std::string::npos);
  CHECK(cred.token() == token);
  f.clock.advance(3600 - 299);
  CHECK(cred.token() != token);
  CHECK(f.google.tokens_issued() == 2);
  // The private key never reaches a log line.
  CHECK(log::redact(f.key.private_pem).find("PRIVATE KEY") == std::string::npos);
}

TEST_CASE("Google token failures are explained: deleted key, clock skew, missing file, unsupported type", "[identity]") {
  GoogleFixture f;
  SECTION("a deleted key") {
    testing::GoogleServiceAccount gone{"old@acme-finops.iam.gserviceaccount.com", &testing::test_rsa_key("gcp-sa-key-gone"), true};
    f.google.add_service_account(gone);
    GoogleOptions o;
    o.credentials_file = f.dir.write("gone.json", f.google.key_file_json(gone, "acme-finops"));
    GoogleCredential cred(f.client, resolve_google_options(o, env_of({})), f.clock);
    auto message = failure_of([&] { cred.token(); });
    CHECK(message.find("deleted or disabled") != std::string::npos);
    CHECK(message.find("Invalid JWT Signature") != std::string::npos);
  }
  SECTION("this machine's clock two hours ahead") {
    GoogleOptions o;
    o.credentials_file = f.dir.write("sa.json", f.google.key_file_json(f.account, "acme-finops"));
    TestClock fast(kIdentityNow + 7200);
    GoogleCredential cred(f.client, resolve_google_options(o, env_of({})), fast);
    CHECK(failure_of([&] { cred.token(); }).find("clock skew") != std::string::npos);
  }
  SECTION("a key file that is not there, and one of an unsupported type") {
    GoogleOptions o;
    o.credentials_file = f.dir.file("missing.json");
    GoogleCredential missing(f.client, resolve_google_options(o, env_of({})), f.clock);
    CHECK(failure_of([&] { missing.token(); }).find("cannot read the Google credentials file") != std::string::npos);
    o.credentials_file = f.dir.write("ext.json", R"({"type":"external_account","audience":"//iam.googleapis.com/x"})");
    GoogleCredential external(f.client, resolve_google_options(o, env_of({})), f.clock);
    CHECK(failure_of([&] { external.token(); }).find("does not support yet") != std::string::npos);
  }
}

TEST_CASE("Google metadata server: Metadata-Flavor both ways, GCE_METADATA_HOST", "[identity]") {
  GoogleFixture f;
  SECTION("a token and the project from the metadata server") {
    f.google.set_metadata_identity("123-compute@developer.gserviceaccount.com", "acme-prod");
    auto o = resolve_google_options({}, env_of({{"GCE_METADATA_HOST", f.google.metadata_host()}, {"HOME", f.dir.path().string()}}));
    CHECK(o.method == GoogleMethod::metadata_server);
    GoogleCredential cred(f.client, o, f.clock);
    auto check = f.google.check_bearer("Bearer " + cred.token(), "https://www.googleapis.com/auth/cloud-platform.read-only");
    REQUIRE(check);
    CHECK(check.token->method == "metadata");
    CHECK(cred.project_id() == "acme-prod");
    auto request = f.google.server().requests("GET", "/computeMetadata/v1/instance/service-accounts/default/token").front();
    CHECK(request.header("metadata-flavor") == "Google");
  }
  SECTION("a server that is not a metadata server (no Metadata-Flavor in its answer)") {
    testing::FakeHttpServer impostor;
    impostor.otherwise([](const testing::RecordedRequest&) {
      return testing::ScriptedResponse::json(200, R"({"access_token":"x","expires_in":3600})");
    });
    GoogleOptions o;
    o.method = GoogleMethod::metadata_server;
    o.metadata_host = "127.0.0.1:" + std::to_string(impostor.port());
    GoogleCredential cred(f.client, resolve_google_options(o, env_of({})), f.clock);
    CHECK(failure_of([&] { cred.token(); }).find("is not a Google metadata server") != std::string::npos);
  }
  SECTION("no metadata server and no key file: what to set, in words") {
    GoogleOptions o;
    o.metadata_host = "127.0.0.1:1";
    GoogleCredential cred(f.client, resolve_google_options(o, env_of({{"HOME", f.dir.path().string()}})), f.clock);
    CHECK(failure_of([&] { cred.token(); }).find("GOOGLE_APPLICATION_CREDENTIALS") != std::string::npos);
  }
}

TEST_CASE("Google: gcloud's application-default credentials (authorized_user) are found in CLOUDSDK_CONFIG", "[identity]") {
  GoogleFixture f;
  f.google.add_refresh_token("adc-client.apps.googleusercontent.com", "adc-client-secret", "1//refresh-token-value");
  std::filesystem::create_directories(f.dir.path() / "gcloud");
  f.dir.write("gcloud/application_default_credentials.json",
              boost::json::serialize(boost::json::object{{"type", "authorized_user"},
                                                         {"client_id", "adc-client.apps.googleusercontent.com"},
                                                         {"client_secret", "adc-client-secret"},
                                                         {"refresh_token", "1//refresh-token-value"},
                                                         {"quota_project_id", "acme-finops"}}));
  GoogleOptions o;
  o.token_uri = f.google.token_uri();
  auto resolved = resolve_google_options(o, env_of({{"CLOUDSDK_CONFIG", (f.dir.path() / "gcloud").string()}}));
  CHECK(resolved.method == GoogleMethod::key_file);
  GoogleCredential cred(f.client, resolved, f.clock);
  CHECK(f.google.check_bearer("Bearer " + cred.token(), "https://www.googleapis.com/auth/bigquery"));
  CHECK(cred.project_id() == "acme-finops");
  CHECK(log::redact("refresh=1//refresh-token-value") == "refresh=[redacted]");
}

TEST_CASE("JWS: PS256 and RS256 signatures verify with the public key, base64url without padding", "[identity]") {
  const auto& key = testing::test_rsa_key("jws-unit");
  auto signing = load_private_key_pem(key.private_pem, "", "test key");
  boost::json::object claims{{"sub", "x"}, {"n", 1}};
  for (auto alg : {JwsAlgorithm::rs256, JwsAlgorithm::ps256}) {
    auto jwt = sign_jwt(alg, signing, boost::json::object{{"kid", "k1"}}, claims);
    CHECK(jwt.find('=') == std::string::npos);
    std::string header;
    REQUIRE(hash::base64url_decode(jwt.substr(0, jwt.find('.')), header));
    CHECK(header.find(alg == JwsAlgorithm::ps256 ? "\"alg\":\"PS256\"" : "\"alg\":\"RS256\"") != std::string::npos);
    CHECK(header.find("\"typ\":\"JWT\"") != std::string::npos);
  }
  // PS256 is randomized (the salt), RS256 is not.
  CHECK(sign_jwt(JwsAlgorithm::ps256, signing, {}, claims) != sign_jwt(JwsAlgorithm::ps256, signing, {}, claims));
  CHECK(sign_jwt(JwsAlgorithm::rs256, signing, {}, claims) == sign_jwt(JwsAlgorithm::rs256, signing, {}, claims));
  CHECK_THROWS_WITH(load_private_key_pem("not a key", "", "the key in x.json"), Catch::Contains("the key in x.json"));
}
