// The Jira Cloud adapter against the Jira fake on loopback (real sockets), and the webhook's
// verification and parsing.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "adapters/jira/rest_api.hpp"
#include "adapters/jira/webhook.hpp"
#include "engine/util/hash.hpp"
#include "tests/support/fake_jira.hpp"

using namespace costbot;
namespace json = boost::json;

namespace {

json::object jira_create_body(const std::string& label, const std::string& summary = "[costbot] Stop idle instances") {
  return json::parse(R"({"fields":{"project":{"key":"FIN"},"issuetype":{"name":"Task"},"summary":")" + summary +
                     R"(","labels":["costbot",")" + label +
                     R"("],"description":{"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":"Approved."}]}]}}})")
      .as_object();
}

json::value jira_adf(const std::string& text) {
  return json::parse(R"({"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":")" + text +
                     R"("}]}]})");
}

http::ClientOptions quick_client() {
  http::ClientOptions o;
  o.connect_timeout = std::chrono::seconds(2);
  o.request_timeout = std::chrono::milliseconds(500);
  o.max_attempts = 1;
  o.max_retry_wait = std::chrono::milliseconds(0);
  return o;
}

}  // namespace

TEST_CASE("the Jira client creates, finds by label, comments and moves issues with Basic auth", "[jira]") {
  testing::FakeJira fake;
  http::Client client(quick_client());
  jira::RestApi api(client, fake.base_url() + "/", fake.email(), fake.api_token());

  CHECK(api.search("project = \"FIN\" AND labels = \"costbot-req-1\"").empty());
  auto created = api.create_issue(jira_create_body("costbot-req-1"));
  CHECK(created.key == "FIN-1");
  CHECK(api.browse_url("FIN-1") == fake.base_url() + "/browse/FIN-1");
  auto found = api.search("project = \"FIN\" AND labels = \"costbot-req-1\"");
  REQUIRE(found.size() == 1);
  CHECK(found[0].key == "FIN-1");
  CHECK(found[0].status == "To Do");
  CHECK(found[0].status_category == "new");
  CHECK(api.search("project = \"FIN\" AND labels = \"costbot-req-2\"").empty());

  CHECK_FALSE(api.add_comment("FIN-1", jira_adf("Incident I7 resolved · costbot ref-1")).empty());
  CHECK(api.has_comment_containing("FIN-1", "ref-1"));
  CHECK_FALSE(api.has_comment_containing("FIN-1", "ref-2"));

  auto transitions = api.transitions("FIN-1");
  auto done = std::find_if(transitions.begin(), transitions.end(), [](const jira::Transition& t) { return t.name == "Done"; });
  REQUIRE(done != transitions.end());
  CHECK(done->to_category == "done");
  api.transition("FIN-1", done->id);
  auto status = api.issue_status("FIN-1");
  CHECK(status.status == "Done");
  CHECK(status.status_category == "done");

  // What went over the wire: Basic base64(email:token), JSON, the v3 paths (search/jql, not search).
  auto requests = fake.server().requests();
  REQUIRE(!requests.empty());
  for (const auto& r : requests) {
    CHECK(r.header("authorization") == "Basic " + hash::base64_encode("costbot@example.com:jira-test-token"));
    CHECK(r.path.rfind("/rest/api/3/", 0) == 0);
    CHECK(r.path != "/rest/api/3/search");
  }
  CHECK(fake.search_calls() == 3);
  CHECK(fake.violations().empty());
  CHECK_THROWS_WITH(api.add_comment("FIN-1/../../x", jira_adf("x")), Catch::Contains("not a Jira issue key"));
}

TEST_CASE("Jira answers are classified for the outbox: permanent 4xx, retryable 429 and 5xx, lost answers", "[jira]") {
  testing::FakeJira fake;
  http::Client client(quick_client());
  jira::RestApi api(client, fake.base_url(), fake.email(), fake.api_token());
  auto failure = [&](const json::object& body) -> std::optional<http::RemoteError> {
    try {
      api.create_issue(body);
    } catch (const http::RemoteError& e) {
      return e;
    }
    return std::nullopt;
  };

  SECTION("a bad body is permanent and says what Jira said") {
    auto body = jira_create_body("costbot-req-1", "");
    auto e = failure(body);
    REQUIRE(e);
    CHECK_FALSE(e->retryable());
    CHECK(e->kind() == ErrorKind::invalid_input);
    CHECK_THAT(e->code(), Catch::Contains("summary: You must specify a summary"));
    CHECK(fake.issues().empty());
  }
  SECTION("429 carries Retry-After") {
    fake.next_create(testing::FakeJira::CreateMode::rate_limit, 7);
    auto e = failure(jira_create_body("costbot-req-1"));
    REQUIRE(e);
    CHECK(e->retryable());
    CHECK(e->kind() == ErrorKind::too_many_requests);
    REQUIRE(e->retry_after());
    CHECK(e->retry_after()->count() == 7);
    CHECK(fake.issues().empty());
  }
  SECTION("500 is retryable") {
    fake.next_create(testing::FakeJira::CreateMode::fail_500);
    auto e = failure(jira_create_body("costbot-req-1"));
    REQUIRE(e);
    CHECK(e->retryable());
    CHECK(fake.issues().empty());
  }
  SECTION("a create whose answer never comes is a network error that may have acted") {
    fake.next_create(testing::FakeJira::CreateMode::create_then_drop);
    try {
      api.create_issue(jira_create_body("costbot-req-1"));
      FAIL("expected a network error");
    } catch (const http::NetworkError& e) {
      CHECK(e.maybe_processed());
    }
    CHECK(fake.issues().size() == 1);  // Jira did create it
    CHECK(api.search("labels = \"costbot-req-1\"").size() == 1);
    CHECK(fake.create_calls() == 1);  // the client did not repeat the POST on its own
  }
  SECTION("wrong credentials are permanent") {
    jira::RestApi wrong(client, fake.base_url(), fake.email(), "not-the-token");
    try {
      wrong.search("labels = \"x\"");
      FAIL("expected 401");
    } catch (const http::RemoteError& e) {
      CHECK(e.kind() == ErrorKind::unauthorized);
      CHECK_FALSE(e.retryable());
    }
  }
}

TEST_CASE("Jira webhooks are verified by signature or token before anything is read", "[jira][webhook]") {
  const std::string secret = "whsec-jira-test";
  const std::string body = testing::jira_issue_webhook("FIN-7", "Done", "done", 1726653600000);
  const std::string good = jira::sign_webhook(secret, body);
  CHECK(good.rfind("sha256=", 0) == 0);
  CHECK(good == "sha256=" + hash::hmac_sha256_hex(secret, body));
  using jira::WebhookAuth;
  CHECK_NOTHROW(jira::verify_webhook(secret, WebhookAuth::either, std::string_view(good), std::nullopt, body));
  CHECK_NOTHROW(jira::verify_webhook(secret, WebhookAuth::signature, std::string_view(good), std::nullopt, body));
  CHECK_NOTHROW(jira::verify_webhook(secret, WebhookAuth::either, std::nullopt, std::string_view(secret), body));
  CHECK_NOTHROW(jira::verify_webhook(secret, WebhookAuth::token, std::nullopt, std::string_view(secret), body));

  auto refused = [&](WebhookAuth mode, std::optional<std::string_view> sig, std::optional<std::string_view> token,
                     const std::string& raw) {
    try {
      jira::verify_webhook(secret, mode, sig, token, raw);
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::unauthorized);
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  CHECK_THAT(refused(WebhookAuth::either, std::string_view(good), std::nullopt, body + " "), Catch::Contains("does not match"));
  CHECK_THAT(refused(WebhookAuth::either, std::string_view(jira::sign_webhook("other", body)), std::nullopt, body),
             Catch::Contains("does not match"));
  CHECK_THAT(refused(WebhookAuth::either, std::string_view("sha1=abc"), std::nullopt, body), Catch::Contains("not a sha256"));
  // A present signature decides, even with a right token next to it.
  CHECK_THAT(refused(WebhookAuth::either, std::string_view(jira::sign_webhook("other", body)), std::string_view(secret), body),
             Catch::Contains("does not match"));
  CHECK_THAT(refused(WebhookAuth::signature, std::nullopt, std::string_view(secret), body), Catch::Contains("missing X-Hub-Signature"));
  CHECK_THAT(refused(WebhookAuth::either, std::nullopt, std::string_view("guess"), body), Catch::Contains("token does not match"));
  CHECK_THAT(refused(WebhookAuth::either, std::nullopt, std::nullopt, body), Catch::Contains("missing"));
  CHECK_THAT(refused(WebhookAuth::token, std::string_view(good), std::nullopt, body), Catch::Contains("missing ?token="));
  try {
    jira::verify_webhook("", WebhookAuth::either, std::string_view(good), std::nullopt, body);
    FAIL("an empty secret must refuse everything");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::unauthorized);
  }
}

TEST_CASE("Jira issue events are parsed, and anything malformed is refused with the reason", "[jira][webhook]") {
  auto e = jira::parse_issue_event(testing::jira_issue_webhook("FIN-7", "Won't Do", "done", 1726653600123));
  REQUIRE(e);
  CHECK(e->event == "jira:issue_updated");
  CHECK(e->key == "FIN-7");
  CHECK(e->status == "Won't Do");
  CHECK(e->status_category == "done");
  CHECK(e->status_changed);
  CHECK(e->timestamp == 1726653600123);
  CHECK(e->actor == "Dana Lee");

  CHECK_FALSE(jira::parse_issue_event(R"({"webhookEvent":"comment_created","comment":{}})"));
  auto deleted = jira::parse_issue_event(R"({"webhookEvent":"jira:issue_deleted","issue":{"key":"FIN-7"}})");
  REQUIRE(deleted);
  CHECK(deleted->status.empty());

  auto reason = [](const std::string& body) {
    try {
      jira::parse_issue_event(body);
    } catch (const Error& err) {
      CHECK(err.kind() == ErrorKind::invalid_input);
      return std::string(err.what());
    }
    return std::string("parsed");
  };
  CHECK_THAT(reason("{\"webhookEvent\":"), Catch::Contains("not valid JSON"));
  CHECK_THAT(reason("[1,2]"), Catch::Contains("must be a JSON object"));
  CHECK_THAT(reason("{}"), Catch::Contains("no \"webhookEvent\""));
  CHECK_THAT(reason(R"({"webhookEvent":"jira:issue_updated"})"), Catch::Contains("no \"issue\" object"));
  CHECK_THAT(reason(R"({"webhookEvent":"jira:issue_updated","issue":{"key":"fin 7"}})"), Catch::Contains("not an issue key"));
  CHECK_THAT(reason(R"({"webhookEvent":"jira:issue_updated","issue":{"key":"FIN-7","fields":{}}})"),
             Catch::Contains("no \"status\" object"));
  CHECK_THAT(reason(R"({"webhookEvent":"jira:issue_updated","issue":{"key":"FIN-7","fields":{"status":{"name":"Done","statusCategory":{"key":"finished"}}}}})"),
             Catch::Contains("none of new, indeterminate, done"));
}

TEST_CASE("issue keys are checked before they go into a URL", "[jira]") {
  for (const char* good : {"FIN-1", "FIN2-412", "A_B-9"}) CHECK(jira::is_issue_key(good));
  for (const char* bad : {"", "FIN", "FIN-", "-1", "fin-1", "FIN-1a", "FIN-1/../x", "FIN 1", "1FIN-2"}) CHECK_FALSE(jira::is_issue_key(bad));
}
