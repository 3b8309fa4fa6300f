// The Cost Management Query client against a loopback stand-in of the API that checks what the
// real one checks: the bearer token (issued by FakeEntra for this endpoint), the query body, and
// pages with nextLink / $skiptoken; it throttles with 429 and the x-ms-ratelimit headers.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "adapters/azure/cost_query.hpp"
#include "adapters/http/form.hpp"
#include "adapters/identity/entra.hpp"
#include "adapters/azure/cost_query_source.hpp"
#include "engine/ingest/remote_source.hpp"
#include "engine/query/cost_sources.hpp"
#include "tests/support/fake_identity.hpp"
#include "tests/support/ingest_support.hpp"
#include "tests/support/test_clock.hpp"
#include "tests/support/test_support.hpp"

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
  double june_2_cost = 99.0;

  QueryFixture() {
    testing::EntraApp app;
    app.tenant_id = "contoso";
    app.client_id = "cost-reader";
    app.secrets = {{"cost-reader-secret", kAzureNow + 86400}};
    entra.add_app(app);
    credential = std::make_unique<identity::EntraCredential>(
        http, identity::resolve_entra_options(entra_options(), [](const std::string&) { return std::string(); }), clock);

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
      // Only the days of the asked timePeriod, as the API answers.
      auto period = json::parse(r.body).at("timePeriod");
      auto as_number = [](json::string_view t) { return std::stoi(std::string(t.substr(0, 4)) + std::string(t.substr(5, 2)) + std::string(t.substr(8, 2))); };
      const int from = as_number(period.at("from").as_string()), to = as_number(period.at("to").as_string());
      json::array rows;
      auto add = [&](double cost, int day, const char* service) {
        if (day >= from && day <= to) rows.push_back(json::array{cost, day, "sub-1", service, "EUR"});
      };
      if (!skip) {
        add(120.5, 20240601, "Virtual Machines");
        add(30.25, 20240601, "Storage");
      } else {
        add(june_2_cost, 20240602, "Virtual Machines");
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

  identity::EntraOptions entra_options() {
    identity::EntraOptions o;
    o.authority_host = entra.authority();
    o.tenant_id = "contoso";
    o.client_id = "cost-reader";
    o.client_secret = "cost-reader-secret";
    return o;
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

TEST_CASE("one subscription from its export and the Query API is counted once: the export wins its days", "[azure-query]") {
  QueryFixture x;
  testing::IngestFixture f;
  const double eur = f.config.currency.rates.at("EUR");  // stored in the example config's base currency (USD)
  // The export of sub-1 covers June 1 only (exports lag the API by a day or more), with its own figure.
  const std::string header = "BillingAccountId,BillingPeriodStartDate,Date,CostInBillingCurrency,BillingCurrency,SubscriptionId,MeterCategory,ChargeType\n";
  REQUIRE(f.ingest(ingest::SourceType::azure, f.dir.write("export-a.csv", header + "ea-1,2024-06-01,2024-06-01,100,EUR,sub-1,Virtual Machines,Usage\n"))
              .status == ingest::RunStatus::succeeded);

  auto l = ingest::parse_remote_location("azure-query://subscriptions/sub-1?months=1", ingest::SourceType::azure, "azure-q");
  REQUIRE(l);
  auto sync_query = [&] {
    CostQueryOptions o;
    o.endpoint = x.arm.url();
    o.scope = "subscriptions/sub-1";
    auto credential = std::move(x.credential);
    REQUIRE(credential);
    CostQuerySource source(*l, std::move(credential), o, 1, x.http, x.clock, [](std::chrono::seconds) {});
    auto results = ingest::sync_remote_source(f.db, f.config, *l, source, x.clock);
    REQUIRE(results.size() == 1);  // June (months=1)
    return results[0].status;
  };
  CHECK(sync_query() == ingest::RunStatus::succeeded);
  // June 1: the export's 100 (not the API's 150.75); June 2: the API's 99.
  CHECK(testing::billed_total(f.db, "sub_account_id = 'sub-1'") == Approx(eur * (100 + 99)));
  CHECK(testing::billed_total(f.db, "sub_account_id = 'sub-1' AND day = '2024-06-01'") == Approx(eur * (100)));
  std::vector<std::string> shown;
  for (const auto& c : query::cost_sources(f.db, query::Dimension::account, query::between(*parse_day("2024-06-01"), *parse_day("2024-06-10"))))
    if (c.key == "sub-1") shown.push_back(c.label() + " " + format_day(c.first) + ".." + format_day(c.last));
  REQUIRE(shown.size() == 2);
  CHECK(shown[0] == "azure file 2024-06-01..2024-06-01");
  CHECK(shown[1] == "azure-q (Cost Management Query) 2024-06-02..2024-06-02");

  // The export catches up with June 2: the API's figure for that day gives way, and a later query
  // run (the month's figures changed, so it is ingested again) does not bring it back.
  REQUIRE(f.ingest(ingest::SourceType::azure,
                   f.dir.write("export-b.csv", header + "ea-1,2024-06-01,2024-06-01,100,EUR,sub-1,Virtual Machines,Usage\n"
                                                        "ea-1,2024-06-01,2024-06-02,95,EUR,sub-1,Virtual Machines,Usage\n"))
              .status == ingest::RunStatus::succeeded);
  CHECK(testing::billed_total(f.db, "sub_account_id = 'sub-1'") == Approx(eur * (100 + 95)));
  x.june_2_cost = 97.5;
  x.credential = std::make_unique<identity::EntraCredential>(
      x.http, identity::resolve_entra_options(x.entra_options(), [](const std::string&) { return std::string(); }), x.clock);
  CHECK(sync_query() == ingest::RunStatus::succeeded);  // ingested again, not skipped
  CHECK(testing::billed_total(f.db, "sub_account_id = 'sub-1'") == Approx(eur * (100 + 95)));
}

TEST_CASE("costbot sources check, Query API: authenticates, lists, reads a page, and names a missing role", "[azure-query][cli]") {
  QueryFixture x;
  testing::TempDir dir;
  auto config = dir.write("costbot.yaml", "ingest:\n  sources:\n    - name: azure-costs\n      type: azure\n"
                                          "      location: azure-query://subscriptions/sub-1\n"
                                          "      credentials: {tenant_id: contoso, client_id: cost-reader, client_secret_env: COSTBOT_TEST_AZ_SECRET, "
                                          "authority_host: \"" + x.entra.authority() + "\"}\n"
                                          "      options: {months: 1, endpoint: \"" + x.arm.url() + "\"}\n");
  auto check = [&](const std::string& secret) {
    return testing::run_costbot({"--config", config, "--db", dir.file("c.db"), "sources", "check", "azure-costs"},
                                {"COSTBOT_NOW=2024-06-10T06:00:00Z", "COSTBOT_TEST_AZ_SECRET=" + secret});
  };
  SECTION("every step passes") {
    auto r = check("cost-reader-secret");
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("azure-costs: azure-query://subscriptions/sub-1"));
    CHECK_THAT(r.out, Catch::Contains("ok     authenticate"));
    CHECK_THAT(r.out, Catch::Contains("ok     list azure-query://subscriptions/sub-1: 1 billing period(s), 1 data file(s)"));
    CHECK_THAT(r.out, Catch::Contains("first line: BillingAccountId,BillingPeriodStartDate,Date,CostInBillingCurrency"));
    CHECK_THAT(r.out, Catch::Contains("2 Cost Management call(s)"));  // two pages
    CHECK(r.out.find("cost-reader-secret") == std::string::npos);
  }
  SECTION("the app lacks the role on the scope: the list step fails naming it") {
    x.allowed_app = "someone-else";
    auto r = check("cost-reader-secret");
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.out, Catch::Contains("ok     authenticate"));
    CHECK_THAT(r.out, Catch::Contains("FAILED list azure-query://subscriptions/sub-1"));
    CHECK_THAT(r.out, Catch::Contains("Cost Management Reader"));
  }
  SECTION("a wrong client secret fails at the first step and is never printed") {
    auto r = check("not-the-secret");
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.out, Catch::Contains("FAILED authenticate"));
    CHECK(r.out.find("ok     list") == std::string::npos);
    CHECK(r.out.find("not-the-secret") == std::string::npos);
    CHECK(r.err.find("not-the-secret") == std::string::npos);
  }
}

TEST_CASE("Azure's FOCUS export names the subscription /subscriptions/ID: still the same account as the Query API's", "[azure-query]") {
  QueryFixture x;
  testing::IngestFixture f;
  const double eur = f.config.currency.rates.at("EUR");  // stored in the example config's base currency (USD)
  // Microsoft's FOCUS export: SubAccountId is the subscription's resource id, here in upper case.
  REQUIRE(f.ingest(ingest::SourceType::focus,
                   f.dir.write("focus.csv", "BilledCost,EffectiveCost,ChargePeriodStart,BillingPeriodStart,ChargeCategory,ProviderName,"
                                            "ServiceName,BillingAccountId,SubAccountId,BillingCurrency\n"
                                            "100,100,2024-06-01T00:00:00Z,2024-06-01T00:00:00Z,Usage,Microsoft,Virtual Machines,ea-1,"
                                            "/subscriptions/SUB-1,EUR\n"))
              .status == ingest::RunStatus::succeeded);
  auto l = ingest::parse_remote_location("azure-query://subscriptions/sub-1?months=1", ingest::SourceType::azure, "azure-q");
  REQUIRE(l);
  CostQueryOptions o;
  o.endpoint = x.arm.url();
  o.scope = "subscriptions/sub-1";
  CostQuerySource source(*l, std::move(x.credential), o, 1, x.http, x.clock, [](std::chrono::seconds) {});
  auto results = ingest::sync_remote_source(f.db, f.config, *l, source, x.clock);
  REQUIRE(results.size() == 1);
  CHECK(results[0].status == ingest::RunStatus::succeeded);
  // June 1 from the export only; June 2 from the API.
  CHECK(testing::billed_total(f.db, "day = '2024-06-01'") == Approx(eur * (100)));
  CHECK(testing::billed_total(f.db, "day = '2024-06-02'") == Approx(eur * (99)));
}
