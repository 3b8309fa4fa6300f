// Web sign-in with OpenID Connect against a loopback provider that checks what a real one checks
// and signs real RS256 ID tokens (tests/support/fake_oidc.hpp): the whole authorization code flow
// with PKCE over sockets, then a decision as the signed-in person; and the attacks on the flow
// (another browser's state, a replayed code, a wrong nonce, audience, issuer time or key).
#include <catch2/catch.hpp>

#include <regex>

#include "engine/approvals/approvals.hpp"
#include "engine/audit/audit.hpp"
#include "engine/util/strings.hpp"
#include "tests/support/approvals_support.hpp"
#include "tests/support/fake_oidc.hpp"
#include "tests/support/http_test_client.hpp"
#include "tests/support/service_harness.hpp"
#include "tests/support/teams_tokens.hpp"
#include "tests/support/test_support.hpp"

using namespace costbot;
namespace json = boost::json;
using Headers = std::vector<std::pair<std::string, std::string>>;

namespace {

const char* const kClientId = "costbot-test-client";
const char* const kClientSecret = "oidc-client-secret-4711";

std::string cookie_of(const testing::TestResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (text::iequals(k, "Set-Cookie") && v.starts_with(name + "=")) return v.substr(0, v.find(';'));
  return {};
}

// "http://127.0.0.1:PORT/path?x" → {port, "/path?x"}.
std::pair<unsigned short, std::string> split_url(const std::string& url) {
  auto rest = url.substr(url.find("://") + 3);
  auto slash = rest.find('/');
  auto hostport = rest.substr(0, slash);
  return {static_cast<unsigned short>(std::stoi(hostport.substr(hostport.rfind(':') + 1))), rest.substr(slash)};
}

struct OidcWorld {
  testing::TempDir dir;
  testing::FakeOidcProvider idp{kClientId, kClientSecret, ""};
  testing::ServiceHarness harness;

  OidcWorld() : harness(options()) {
    harness.start();
    idp.set_redirect_uri(harness.service().url() + "/auth/callback/testidp");
  }

  testing::HarnessOptions options() {
    testing::HarnessOptions o;
    o.database_path = dir.file("oidc.db");
    o.slack = false;
    o.operations = true;
    o.configure = [this](config::Config& c) {
      auto example = config::load(testing::source_path("config/costbot.example.yaml"));
      example.database = c.database;
      example.server.shutdown_grace = c.server.shutdown_grace;
      example.slack = c.slack;
      example.api = {};
      for (auto& [name, job] : example.schedules.jobs) job.enabled = false;
      config::OidcProviderConfig p;
      p.name = "testidp";
      p.type = "oidc";
      p.label = "Sign in with the test provider";
      p.issuer = idp.url();
      p.discovery_url = idp.url() + "/.well-known/openid-configuration";
      p.client_id = kClientId;
      p.client_secret = config::Secret(kClientSecret, "test");
      p.user_claim = "sub";
      p.groups_claim = "groups";
      example.web.providers = {p};
      example.access.roles["finops_admin"] = {"idp_group:cost-owners"};
      c = std::move(example);
    };
    return o;
  }

  testing::TestResponse get(const std::string& target, const Headers& headers = {}) {
    return testing::http_request("127.0.0.1", harness.port(), "GET", target, headers);
  }

  struct Started {
    std::string login_cookie;
    std::string callback;  // the provider's redirect back: /auth/callback/testidp?code=..&state=..
  };
  // The browser's first two hops: costbot → provider (which signs the person in) → back.
  Started start_sign_in() {
    auto login = get("/auth/login/testidp");
    REQUIRE(login.status == 302);
    auto to_idp = login.header("Location");
    REQUIRE_THAT(to_idp, Catch::StartsWith(idp.url() + "/authorize?"));
    CHECK_THAT(to_idp, Catch::Contains("code_challenge_method=S256"));
    auto [idp_port, idp_path] = split_url(to_idp);
    auto back = testing::http_request("127.0.0.1", idp_port, "GET", idp_path);
    REQUIRE(back.status == 302);
    auto [port, path] = split_url(back.header("Location"));
    CHECK(port == harness.port());
    return {cookie_of(login, "costbot_login"), path};
  }

  // The whole flow as a browser runs it; the session cookie ("" when refused) and the last answer.
  std::pair<std::string, testing::TestResponse> sign_in() {
    auto s = start_sign_in();
    auto done = get(s.callback, {{"Cookie", s.login_cookie}});
    return {cookie_of(done, "costbot_session"), done};
  }
};

}  // namespace

TEST_CASE("OIDC sign-in: code flow with PKCE, then a decision as the signed-in person", "[web][security][oidc]") {
  OidcWorld w;
  w.idp.sign_in_as({{"sub", "U0PAYLEAD"}, {"name", "Pat Lead"}, {"groups", json::array{"engineering"}}});
  // Signed out, the page offers the provider.
  auto page = w.get("/");
  CHECK_THAT(page.body, Catch::Contains("/auth/login/testidp"));
  CHECK_THAT(page.body, Catch::Contains("Sign in with the test provider"));

  auto [session, done] = w.sign_in();
  INFO(done.body);
  REQUIRE(done.status == 303);
  REQUIRE_FALSE(session.empty());
  CHECK(w.idp.violations().empty());
  Headers me_headers{{"Cookie", session}};
  auto me = json::parse(w.get("/auth/me", me_headers).body).as_object();
  CHECK(me.at("user_id").as_string() == "U0PAYLEAD");
  CHECK(me.at("name").as_string() == "Pat Lead");
  CHECK(me.at("provider").as_string() == "testidp");
  CHECK_FALSE(me.at("acts_for_others").as_bool());

  // A request for the payments lead, decided by the signed-in lead: the actor is the session's.
  approvals::Approvals engine(w.harness.service().config(), render::Templates(testing::source_path("templates")));
  approvals::RequestFacts f;
  f.title = "Stop the idle build agents";
  f.team = "payments";
  f.amount = 450;
  f.requester = "U0REQUESTER";
  auto id = engine.create_request(w.harness.db(), f, w.harness.service().clock().now()).id;
  auto page_signed_in = w.get("/", me_headers);
  std::smatch m;
  std::regex re(R"re(name="csrf-token" content="([0-9a-f]+)")re");
  REQUIRE(std::regex_search(page_signed_in.body, m, re));
  auto r = testing::http_request("127.0.0.1", w.harness.port(), "POST", "/web/actions",
                                 {{"Cookie", session}, {"Content-Type", "application/json"}, {"X-CSRF-Token", m[1]}},
                                 R"({"verb":"approve","subject":"approval:)" + std::to_string(id) + R"(:0"})");
  REQUIRE(r.status == 200);
  auto record = approvals::load_request(w.harness.db(), id);
  REQUIRE(record);
  CHECK(record->status == "approved");
  CHECK(record->decisions.at(0).actor == "U0PAYLEAD");
  CHECK(testing::count_rows(w.harness.db(), "SELECT COUNT(*) FROM audit_log WHERE action = 'session.start' AND actor = 'U0PAYLEAD'") == 1);
  CHECK(audit::verify(w.harness.db()).ok);
}

TEST_CASE("OIDC groups from the ID token grant roles (idp_group)", "[web][security][oidc]") {
  OidcWorld w;
  w.idp.sign_in_as({{"sub", "U0SOMEONE"}, {"groups", json::array{"cost-owners"}}});
  auto [session, done] = w.sign_in();
  REQUIRE(done.status == 303);
  auto me = json::parse(w.get("/auth/me", {{"Cookie", session}}).body).as_object();
  CHECK_THAT(json::serialize(me.at("roles")), Catch::Contains("finops_admin"));
}

TEST_CASE("OIDC sign-in refuses another browser's state, replays, and tokens that do not check out", "[web][security][oidc]") {
  OidcWorld w;
  w.idp.sign_in_as({{"sub", "U0PAYLEAD"}});
  SECTION("the callback in a browser that did not start the sign-in (login CSRF)") {
    auto s = w.start_sign_in();
    auto foreign = w.get(s.callback, {{"Cookie", "costbot_login=someone-elses-browser"}});
    CHECK(foreign.status == 403);
    CHECK(cookie_of(foreign, "costbot_session").empty());
    CHECK(w.get(s.callback).status == 403);  // no login cookie at all
    // The rightful browser still completes it.
    CHECK(w.get(s.callback, {{"Cookie", s.login_cookie}}).status == 303);
  }
  SECTION("a replayed callback") {
    auto s = w.start_sign_in();
    REQUIRE(w.get(s.callback, {{"Cookie", s.login_cookie}}).status == 303);
    auto again = w.get(s.callback, {{"Cookie", s.login_cookie}});
    CHECK(again.status == 403);
    CHECK(w.idp.tokens_issued() == 1);  // the state was used up before the code went out again
  }
  SECTION("a wrong nonce, audience, issuer, an expired token, an unknown user claim") {
    const std::vector<std::pair<json::object, std::string>> cases{
        {{{"nonce", "not-this-sign-in"}}, "nonce"},
        {{{"aud", "another-client"}}, "aud"},
        {{{"aud", json::array{kClientId, "another-client"}}}, "azp"},
        {{{"iss", "https://evil.example"}}, "issuer"},
        {{{"exp", 1000}, {"iat", 900}}, "expired"},
        {{{"sub", ""}}, "sub"},
    };
    for (const auto& [overrides, reason] : cases) {
      INFO(reason);
      w.idp.next_token_overrides(overrides);
      auto [session, done] = w.sign_in();
      CHECK(done.status == 403);
      CHECK(session.empty());
      CHECK_THAT(done.body, Catch::Contains(reason));
    }
  }
  SECTION("the provider refuses (access_denied)") {
    auto r = w.get("/auth/callback/testidp?error=access_denied&state=x");
    CHECK(r.status == 403);
    CHECK_THAT(r.body, Catch::Contains("access_denied"));
  }
  SECTION("an unknown provider") { CHECK(w.get("/auth/login/nope").status == 404); }
  CHECK(testing::count_rows(w.harness.db(), "SELECT COUNT(*) FROM web_sessions WHERE user_id = 'U0PAYLEAD'") <= 1);
}
