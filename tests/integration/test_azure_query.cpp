// The Cost Management Query client against a loopback stand-in of the API that checks what the
// real one checks: the bearer token (issued by FakeEntra for this endpoint), the query body, and
// pages with nextLink / $skiptoken; it throttles with 429 and the x-ms-ratelimit headers.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "adapters/azure/cost_query.hpp"
#include "adapters/http/form.hpp"
#include "adapters/identity/entra.hpp"
#include "tests/support/fake_identity.hpp"
#include "tests/support/test_clock.hpp"

using namespace costbot;
using namespace costbot::azure;
namespace json = boost::json;

namespace {

constexpr UnixSeconds kAzureNow = 1718000000;  // 2024-06-10

struct QueryFixture {
  testing::TestClock clock{kAzureNow};
  testing::FakeEntra entra{clock};
  testing::FakeHttpServer arm;
  http::Client http;
  std::unique_ptr<identity::EntraCredential> credential;
  std::vector<std::chrono::seconds> waits;
  std::vector<std::string> bodies;
  std::string allowed_app = "cost-reader";

  QueryFixture() {
    testing::EntraApp app;
    app.tenant_id = "contoso";
    app.client_id = "cost-reader";
    app.secrets = {{"cost-reader-secret", kAzureNow + 86400}};
    entra.add_app(app);
    identity::EntraOptions o;
    o.authority_host = entra.authority();
    o.tenant_id = "contoso";
    o.client_id = "cost-reader";
    o.client_secret = "cost-reader-secret";
    credential = std::make_unique<identity::EntraCredential>(http, identity::resolve_entra_options(o, [](const std::string&) { return std::string(); }), clock);

    const std::string path = "/subscriptions/sub-1/providers/Microsoft.CostManagement/query";
    arm.on("POST", path, [this, path](const testing::RecordedRequest& r) {
      auto check = entra.check_bearer(r.header("authorization"), arm.url() + "/.default");
      if (!check)
        return testing::ScriptedResponse::json(401, R"({"error":{"code":"InvalidAuthenticationToken","message":")" + check.reason + "\"}}");
      if (check.token->issued_to != allowed_app)
        return testing::ScriptedResponse::json(
            403, R"({"error":{"code":"AuthorizationFailed","message":"The client does not have authorization to perform action 'Microsoft.CostManagement/query/action' over scope '/subscriptions/sub-1'."}})");
      if (r.target.find("api-version=2023-11-01") == std::string::npos)
        return testing::ScriptedResponse::json(400, R"({"error":{"code":"InvalidApiVersion","message":"api-version"}})");
      bodies.push_back(r.body);
      auto skip = r.target.find("%24skiptoken=page2") != std::string::npos;
      json::array rows;
      if (!skip) {
        rows.push_back(json::array{120.5, 20240601, "sub-1", "Virtual Machines", "EUR"});
        rows.push_back(json::array{30.25, 20240601, "sub-1", "Storage", "EUR"});
      } else {
        rows.push_back(json::array{99.0, 20240602, "sub-1", "Virtual Machines", "EUR"});
      }
      json::object props{{"columns", json::array{json::object{{"name", "Cost"}, {"type", "Number"}},
                                                 json::object{{"name", "UsageDate"}, {"type", "Number"}},
                                                 json::object{{"name", "SubscriptionId"}, {"type", "String"}},
                                                 json::object{{"name", "ServiceName"}, {"type", "String"}},
                                                 json::object{{"name", "Currency"}, {"type", "String"}}}},
                         {"rows", rows},
                         {"nextLink", skip ? json::value(nullptr)
                                           : json::value(arm.url() + path + "?api-version=2023-11-01&%24skiptoken=page2")}};
      return testing::ScriptedResponse::json(200, json::serialize(json::object{{"properties", props}}));
    });
  }

  CostQueryClient client() {
    CostQueryOptions o;
    o.endpoint = arm.url();
    o.scope = "subscriptions/sub-1";
    return CostQueryClient(http, *credential, o, clock, [this](std::chrono::seconds s) { waits.push_back(s); });
  }
};

}  // namespace

TEST_CASE("Cost Management query: bearer token for the endpoint, the body, nextLink pages", "[azure-query]") {
  QueryFixture f;
  auto client = f.client();
  auto result = client.query_days(*parse_day("2024-06-01"), *parse_day("2024-06-30"));
  CHECK(result.pages == 2);
  CHECK(result.calls == 2);
  REQUIRE(result.rows.size() == 3);
  CHECK(result.rows[0][0] == "120.5");
  CHECK(result.rows[2][1] == "20240602");
  REQUIRE(f.bodies.size() == 2);
  CHECK(f.bodies[0] == f.bodies[1]);  // nextLink gets the same body
  auto body = json::parse(f.bodies[0]).as_object();
  CHECK(body.at("type").as_string() == "ActualCost");
  CHECK(body.at("timeframe").as_string() == "Custom");
  CHECK(body.at("timePeriod").at("from").as_string() == "2024-06-01T00:00:00Z");
  CHECK(body.at("timePeriod").at("to").as_string() == "2024-06-30T23:59:59Z");
  CHECK(body.at("dataset").at("granularity").as_string() == "Daily");

  auto csv = cost_rows_as_azure_csv(result, "sub-1", "Usage");
  CHECK(csv ==
        "BillingAccountId,BillingPeriodStartDate,Date,CostInBillingCurrency,BillingCurrency,SubscriptionId,MeterCategory,ChargeType\n"
        "sub-1,2024-06-01,2024-06-01,120.5,EUR,sub-1,Virtual Machines,Usage\n"
        "sub-1,2024-06-01,2024-06-01,30.25,EUR,sub-1,Storage,Usage\n"
        "sub-1,2024-06-01,2024-06-02,99,EUR,sub-1,Virtual Machines,Usage\n");
}

TEST_CASE("Cost Management query: 429 waits what x-ms-ratelimit asks, then gives up past max_wait", "[azure-query]") {
  QueryFixture f;
  const std::string path = "/subscriptions/sub-1/providers/Microsoft.CostManagement/query";
  SECTION("two throttled answers are waited out") {
    f.arm.script("POST", path,
                 testing::ScriptedResponse::json(429, R"({"error":{"code":"429","message":"Too many requests. Please retry."}})")
                     .header("x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after", "7")
                     .header("x-ms-ratelimit-microsoft.costmanagement-qpu-remaining", "QueryResource=0"));
    f.arm.script("POST", path,
                 testing::ScriptedResponse::json(429, "{}")
                     .header("x-ms-ratelimit-microsoft.costmanagement-entity-retry-after", "12")
                     .header("Retry-After", "3"));
    auto client = f.client();
    auto result = client.query_days(*parse_day("2024-06-01"), *parse_day("2024-06-30"));
    CHECK(result.rows.size() == 3);
    CHECK(result.throttled == 2);
    CHECK(result.calls == 4);
    REQUIRE(f.waits.size() == 2);
    CHECK(f.waits[0] == std::chrono::seconds(7));
    CHECK(f.waits[1] == std::chrono::seconds(12));  // the longest of the headers
  }
  SECTION("a wait longer than max_wait ends the run with a retryable error") {
    f.arm.script("POST", path, testing::ScriptedResponse::json(429, "{}").header("x-ms-ratelimit-microsoft.costmanagement-tenant-retry-after", "3600"));
    auto client = f.client();
    try {
      client.query_days(*parse_day("2024-06-01"), *parse_day("2024-06-30"));
      FAIL("no error");
    } catch (const http::RemoteError& e) {
      CHECK(e.retryable());
      CHECK(e.retry_after() == std::chrono::seconds(3600));
      CHECK(std::string(e.what()).find("throttled") != std::string::npos);
    }
    CHECK(f.waits.empty());
  }
}

TEST_CASE("Cost Management query: a missing role is named, a nextLink to another host is refused", "[azure-query]") {
  QueryFixture f;
  SECTION("the role") {
    f.allowed_app = "someone-else";
    auto client = f.client();
    try {
      client.query_days(*parse_day("2024-06-01"), *parse_day("2024-06-30"));
      FAIL("no error");
    } catch (const http::RemoteError& e) {
      CHECK(e.kind() == ErrorKind::forbidden);
      CHECK(e.code() == "AuthorizationFailed");
      CHECK(std::string(e.what()).find("Cost Management Reader") != std::string::npos);
      CHECK(std::string(e.what()).find("/subscriptions/sub-1") != std::string::npos);
    }
  }
  SECTION("the token stays home") {
    const std::string path = "/subscriptions/sub-1/providers/Microsoft.CostManagement/query";
    f.arm.script("POST", path,
                 testing::ScriptedResponse::json(200, R"({"properties":{"columns":[],"rows":[],"nextLink":"https://evil.example/steal"}})"));
    auto client = f.client();
    CHECK_THROWS_WITH(client.query_days(*parse_day("2024-06-01"), *parse_day("2024-06-30")), Catch::Contains("refusing to send the token"));
  }
}
