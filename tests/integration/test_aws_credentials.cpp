// The AWS credential chain against loopback fakes that check what AWS checks
// (tests/aws/aws_service_fakes.mjs): STS AssumeRole with ExternalId, its SigV4 recomputed with
// @smithy/signature-v4; AssumeRoleWithWebIdentity with the token file re-read at each refresh;
// IMDSv2 (a session token PUT first; GETs without it are refused); container credentials with the
// authorization token file; temporary credentials refreshed before they expire. Each issued
// session is then used for a signed call the fakes verify, so "credentials" means working ones.
#include <catch2/catch.hpp>

#include "adapters/aws/credentials.hpp"
#include "adapters/aws/sigv4.hpp"
#include "adapters/http/client.hpp"
#include "engine/util/hash.hpp"
#include "engine/util/log.hpp"
#include "tests/support/aws_fakes.hpp"
#include "tests/support/test_support.hpp"

using namespace costbot;

namespace {

const std::string kRole = "arn:aws:iam::444455556666:role/costbot-billing-read";

http::ClientOptions loopback_options() {
  http::ClientOptions o;
  o.proxy = http::ProxySettings{};
  o.retry_base_delay = std::chrono::milliseconds(10);
  o.retry_max_delay = std::chrono::milliseconds(20);
  return o;
}

struct CredentialFixture {
  testing::TempDir home;
  testing::ScopedEnv env;
  testing::AwsServiceFakes fakes;
  http::Client client{loopback_options()};
  ManualClock clock{std::chrono::system_clock::to_time_t(std::chrono::system_clock::now())};  // the fakes check x-amz-date

  CredentialFixture() { env.isolate_aws(home.path().string()); }

  // A Cost Explorer call signed with `c`: 200 when the fakes accept the credentials.
  http::Response signed_call(const aws::Credentials& c) {
    http::Request req;
    req.method = "POST";
    req.url = fakes.endpoint() + "/";
    req.body = R"({"TimePeriod":{"Start":"2024-09-01","End":"2024-09-02"},"Dimension":"LINKED_ACCOUNT","Context":"COST_AND_USAGE"})";
    req.content_type = "application/x-amz-json-1.1";
    req.header("X-Amz-Target", "AWSInsightsIndexService.GetDimensionValues");
    aws::SigningRequest sr{"POST", fakes.endpoint().substr(7), "/", "",
                           {{"Content-Type", req.content_type}, {"X-Amz-Target", "AWSInsightsIndexService.GetDimensionValues"}},
                           hash::sha256_hex(req.body)};
    aws::SigningOptions o;
    o.region = "us-east-1";
    o.service = "ce";
    o.time = clock.now();
    for (auto& h : aws::sign(sr, c, o).headers) req.headers.push_back(std::move(h));
    return client.send(std::move(req));
  }
  std::int64_t stat(const char* group, const char* name) {
    auto s = fakes.stats();
    auto* g = s.at(group).as_object().if_contains(name);
    return g ? g->as_int64() : 0;
  }
};

}  // namespace

TEST_CASE("AssumeRole with an ExternalId, signed with the base keys, gives working session credentials",
          "[aws][aws-credentials]") {
  CredentialFixture x;
  x.fakes.configure(R"({"roles": {")" + kRole +
                    R"(": {"external_id": "acme-costbot", "trusted": ["arn:aws:iam::111122223333:user/costbot"]}}})");
  x.env.set("AWS_ACCESS_KEY_ID", "AKIDCOSTBOTBASE");
  x.env.set("AWS_SECRET_ACCESS_KEY", "base/secret+key");
  aws::CredentialSettings s;
  s.role_arn = kRole;
  s.external_id = "acme-costbot";
  s.sts_endpoint = x.fakes.endpoint() + "/";

  SECTION("the right external id") {
    auto provider = aws::make_credential_chain(x.client, x.clock, s);
    auto c = provider->get();
    CHECK(c.access_key_id.starts_with("ASIA"));
    CHECK_FALSE(c.session_token.empty());
    CHECK(c.expires_at > x.clock.now());
    CHECK_THAT(provider->describe(), Catch::Contains(kRole) && Catch::Contains("default AWS credential chain"));
    CHECK(x.signed_call(c).status == 200);
    CHECK(x.stat("sts", "AssumeRole") == 1);
    auto seen = x.fakes.stats().at("external_ids").as_array();
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].as_string() == "acme-costbot");
    // Cached: no second STS call while the session is fresh.
    CHECK(provider->get().access_key_id == c.access_key_id);
    CHECK(x.stat("sts", "AssumeRole") == 1);
    // The session's secrets are redacted from log lines.
    CHECK(log::redact("secret " + c.secret_access_key + " token " + c.session_token).find(c.secret_access_key) ==
          std::string::npos);
  }
  SECTION("a wrong external id: access denied, naming sts:AssumeRole and the role") {
    s.external_id = "someone-else";
    auto provider = aws::make_credential_chain(x.client, x.clock, s);
    try {
      provider->get();
      FAIL("expected access denied");
    } catch (const http::RemoteError& e) {
      CHECK(e.kind() == ErrorKind::forbidden);
      CHECK_THAT(e.what(), Catch::Contains("sts:AssumeRole") && Catch::Contains(kRole));
      CHECK_THAT(e.what(), !Catch::Contains("base/secret+key"));
    }
  }
  SECTION("a wrong base secret: the fake's signature check refuses it") {
    x.env.set("AWS_SECRET_ACCESS_KEY", "not-the-secret");
    auto provider = aws::make_credential_chain(x.client, x.clock, s);
    CHECK_THROWS_WITH(provider->get(), Catch::Contains("signature was refused") && !Catch::Contains("not-the-secret"));
  }
}

TEST_CASE("a profile assumes its role from a source profile's keys (shared config and credentials files)",
          "[aws][aws-credentials]") {
  CredentialFixture x;
  x.fakes.configure(R"({"roles": {")" + kRole + R"(": {"external_id": "acme-costbot"}}})");
  auto config = x.home.write("aws-config", "[profile billing]\nrole_arn = " + kRole +
                                               "\nsource_profile = base\nexternal_id = acme-costbot\nregion = eu-west-1\n"
                                               "[profile base]\nregion = eu-west-1\n");
  auto credentials = x.home.write("aws-credentials", "[base]\naws_access_key_id = AKIDCOSTBOTBASE\n"
                                                     "aws_secret_access_key = base/secret+key\n");
  x.env.set("AWS_CONFIG_FILE", config);
  x.env.set("AWS_SHARED_CREDENTIALS_FILE", credentials);
  x.env.set("AWS_ENDPOINT_URL_STS", x.fakes.endpoint() + "/");
  aws::CredentialSettings s;
  s.profile = "billing";
  auto provider = aws::make_credential_chain(x.client, x.clock, s);
  auto c = provider->get();
  CHECK(x.signed_call(c).status == 200);
  CHECK_THAT(provider->describe(), Catch::Contains("profile base"));
  // The STS call was signed for the profile's region.
  CHECK(x.stat("sts", "AssumeRole") == 1);
}

TEST_CASE("web identity: AssumeRoleWithWebIdentity with the token file, re-read at each refresh",
          "[aws][aws-credentials]") {
  CredentialFixture x;
  x.fakes.configure(R"({"session_seconds": 900, "roles": {")" + kRole + R"(": {"web_identity_token": "eyJ.token-1"}}})");
  auto token_file = x.home.write("token", "eyJ.token-1\n");
  x.env.set("AWS_WEB_IDENTITY_TOKEN_FILE", token_file);
  x.env.set("AWS_ROLE_ARN", kRole);
  x.env.set("AWS_ENDPOINT_URL_STS", x.fakes.endpoint() + "/");
  auto provider = aws::make_credential_chain(x.client, x.clock, {});
  auto first = provider->get();
  CHECK(x.signed_call(first).status == 200);
  CHECK_THAT(provider->describe(), Catch::Contains("web identity"));

  // The kubelet rotated the token; the session nears its end: the refresh reads the new token.
  x.home.write("token", "eyJ.token-2\n");
  x.fakes.configure(R"({"roles": {")" + kRole + R"(": {"web_identity_token": "eyJ.token-2"}}})");
  x.clock.advance(601);  // 900 s sessions, refreshed 5 min before they end
  auto second = provider->get();
  CHECK(second.access_key_id != first.access_key_id);
  CHECK(x.stat("sts", "AssumeRoleWithWebIdentity") == 2);
  CHECK(x.signed_call(second).status == 200);

  // A token STS does not accept is explained.
  x.home.write("token", "eyJ.forged\n");
  x.clock.advance(901);
  CHECK_THROWS_WITH(provider->get(), Catch::Contains("web identity token was refused"));
}

TEST_CASE("EC2 instance metadata, IMDSv2: a session token first, the role's credentials with it",
          "[aws][aws-credentials]") {
  CredentialFixture x;
  x.env.set("AWS_EC2_METADATA_DISABLED", nullptr);
  x.env.set("AWS_EC2_METADATA_SERVICE_ENDPOINT", x.fakes.endpoint());
  // What the fake enforces: without the token, metadata is refused.
  CHECK(x.client.send(http::Request::get(x.fakes.endpoint() + "/latest/meta-data/iam/security-credentials/")).status == 401);

  auto provider = aws::make_credential_chain(x.client, x.clock, {});
  auto c = provider->get();
  CHECK(x.signed_call(c).status == 200);
  CHECK_THAT(provider->describe(), Catch::Contains("EC2 instance metadata"));
  CHECK(x.stat("imds", "token_puts") == 1);
  CHECK(x.stat("imds", "gets") == 3);          // the probe above, the role name, its credentials
  CHECK(x.stat("imds", "unauthorized") == 1);  // only the probe

  SECTION("no role attached: said so") {
    x.fakes.configure(R"({"imds": {"role": ""}})");
    auto none = aws::make_credential_chain(x.client, x.clock, {});
    CHECK_THROWS_WITH(none->get(), Catch::Contains("no IAM role attached"));
  }
}

TEST_CASE("container credentials with the authorization token file (ECS, EKS Pod Identity)", "[aws][aws-credentials]") {
  CredentialFixture x;
  x.fakes.configure(R"({"container": {"token": "Bearer pod-identity-token"}})");
  x.env.set("AWS_CONTAINER_CREDENTIALS_FULL_URI", x.fakes.endpoint() + "/container/v1/credentials");
  auto token_file = x.home.write("eks-pod-identity-token", "Bearer pod-identity-token\n");
  x.env.set("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token_file);
  auto provider = aws::make_credential_chain(x.client, x.clock, {});
  auto c = provider->get();
  CHECK(x.signed_call(c).status == 200);
  CHECK_THAT(provider->describe(), Catch::Contains("container credentials"));

  SECTION("a wrong token is refused and explained") {
    x.home.write("eks-pod-identity-token", "Bearer stale\n");
    auto stale = aws::make_credential_chain(x.client, x.clock, {});
    CHECK_THROWS_WITH(stale->get(), Catch::Contains("container credentials") && Catch::Contains("401"));
    CHECK(x.stat("container", "unauthorized") == 1);
  }
}

TEST_CASE("temporary credentials are refreshed before they expire, and after the service says they did",
          "[aws][aws-credentials]") {
  CredentialFixture x;
  x.fakes.configure(R"({"session_seconds": 900, "roles": {")" + kRole + R"(": {}}})");
  x.env.set("AWS_ACCESS_KEY_ID", "AKIDCOSTBOTBASE");
  x.env.set("AWS_SECRET_ACCESS_KEY", "base/secret+key");
  aws::CredentialSettings s;
  s.role_arn = kRole;
  s.sts_endpoint = x.fakes.endpoint() + "/";
  auto provider = aws::make_credential_chain(x.client, x.clock, s);
  auto first = provider->get();
  CHECK(x.signed_call(first).status == 200);

  x.clock.advance(599);  // still more than 5 minutes left: the same session
  CHECK(provider->get().access_key_id == first.access_key_id);
  x.clock.advance(2);  // less than 5 minutes left: a new one before any call fails
  auto second = provider->get();
  CHECK(second.access_key_id != first.access_key_id);
  CHECK(x.stat("sts", "AssumeRole") == 2);
  CHECK(x.signed_call(second).status == 200);

  // The service ends the session early: the call answers ExpiredToken, invalidate() fetches anew.
  x.fakes.expire_sessions();
  auto refused = x.signed_call(second);
  CHECK(refused.status == 400);
  CHECK_THAT(refused.body, Catch::Contains("ExpiredTokenException"));
  provider->invalidate();
  auto third = provider->get();
  CHECK(third.access_key_id != second.access_key_id);
  CHECK(x.signed_call(third).status == 200);
  CHECK(x.stat("sts", "AssumeRole") == 3);
  // The replaced session's secret is no longer redacted state; the current one is.
  CHECK(log::redact(third.secret_access_key).find(third.secret_access_key) == std::string::npos);
}
