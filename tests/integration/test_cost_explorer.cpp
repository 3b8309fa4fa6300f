// AWS Cost Explorer as a source, against a loopback fake that checks what the service checks
// (tests/aws/aws_service_fakes.mjs): the SigV4 signature recomputed with @smithy/signature-v4 for
// service "ce" in us-east-1, at most two GroupBy keys, NextPageToken paging, throttling, expired
// sessions. And one account read from both its export and Cost Explorer counted once.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "adapters/aws/cost_explorer.hpp"
#include "adapters/aws/credentials.hpp"
#include "engine/ingest/remote_source.hpp"
#include "engine/query/cost_sources.hpp"
#include "tests/support/aws_fakes.hpp"
#include "tests/support/ingest_support.hpp"

using namespace costbot;
using ingest::RunStatus;

namespace {

namespace json = boost::json;

http::ClientOptions ce_client_options() {
  http::ClientOptions o;
  o.proxy = http::ProxySettings{};
  o.retry_base_delay = std::chrono::milliseconds(10);
  o.retry_max_delay = std::chrono::milliseconds(20);
  return o;
}

struct CeRow {
  std::string day, account, service;
  double unblended = 0, amortized = 0;
  std::string team;
  bool estimated = false;
};

struct CostExplorerFixture {
  testing::IngestFixture f;
  testing::TempDir home;
  testing::ScopedEnv env;
  testing::AwsServiceFakes fakes;
  http::Client client{ce_client_options()};
  std::vector<std::chrono::milliseconds> waits;  // what the client waited between throttled attempts
  Day today;

  CostExplorerFixture() {
    env.isolate_aws(home.path().string());
    env.set("AWS_ACCESS_KEY_ID", "AKIDCOSTBOTBASE");
    env.set("AWS_SECRET_ACCESS_KEY", "base/secret+key");
    // The fake checks x-amz-date against its own clock: run at the real time.
    f.clock.set(std::chrono::system_clock::to_time_t(std::chrono::system_clock::now()));
    today = day_of(f.clock.now());
  }
  std::string day(int days_ago) const { return format_day(today - std::chrono::days{days_ago}); }

  void set_rows(const std::vector<CeRow>& rows, int page_size = 1000) {
    json::array out;
    for (const auto& r : rows) {
      json::object o{{"day", r.day}, {"account", r.account}, {"service", r.service}, {"unblended", r.unblended},
                     {"amortized", r.amortized}, {"estimated", r.estimated}};
      if (!r.team.empty()) o["tags"] = json::object{{"team", r.team}};
      out.push_back(std::move(o));
    }
    fakes.configure(json::serialize(json::object{{"ce", {{"rows", out}, {"page_size", page_size}}}}));
  }

  // The source as the factory builds it, but with the waits recorded instead of slept.
  std::unique_ptr<aws::CostExplorerSource> source(const ingest::RemoteLocation& l, aws::CredentialSettings cs = {}) {
    aws::CostExplorerOptions o;
    o.endpoint = fakes.endpoint() + "/";
    o.sleep = [this](std::chrono::milliseconds d) { waits.push_back(d); };
    auto ce = std::make_unique<aws::CostExplorerClient>(client, aws::make_credential_chain(client, f.clock, cs), f.clock, o);
    aws::CostExplorerSourceSettings s;
    s.payer_account = "999988887777";
    s.team_tag = l.setting("team_tag");
    if (auto cap = l.setting("max_calls_per_day"); !cap.empty()) s.max_calls_per_day = std::stoll(cap);
    return std::make_unique<aws::CostExplorerSource>(l, std::move(ce), s, f.clock);
  }
  ingest::RemoteLocation location(const std::string& query = "") {
    auto l = ingest::parse_remote_location("aws-cost-explorer://999988887777" + query, ingest::SourceType::focus, "aws-ce");
    REQUIRE(l);
    return *l;
  }
  std::vector<ingest::FileResult> sync(const ingest::RemoteLocation& l, ingest::RemoteSource& s) {
    return ingest::sync_remote_source(f.db, f.config, l, s, f.clock);
  }
  std::int64_t stat(const char* op) {
    auto s = fakes.stats();
    auto* v = s.at("ce").as_object().if_contains(op);
    return v ? v->as_int64() : 0;
  }
  std::int64_t calls_recorded() {
    return f.db.sql().execAndGet("SELECT COALESCE(SUM(calls), 0) FROM remote_api_calls").getInt64();
  }
};

std::vector<CeRow> two_accounts_three_days(const CostExplorerFixture& x) {
  std::vector<CeRow> rows;
  for (int ago : {2, 1, 0}) {
    bool estimated = ago == 0;  // today's figures are still moving
    rows.push_back({x.day(ago), "111111111111", "Amazon Elastic Compute Cloud - Compute", 10, 8, "", estimated});
    rows.push_back({x.day(ago), "111111111111", "EC2 - Other", 2, 2, "", estimated});
    rows.push_back({x.day(ago), "111111111111", "Amazon Simple Storage Service", 1, 1, "", estimated});
    rows.push_back({x.day(ago), "222222222222", "Amazon Relational Database Service", 5, 4, "", estimated});
  }
  return rows;
}

}  // namespace

TEST_CASE("Cost Explorer: daily costs by linked account and service, paged, each call counted", "[aws][cost-explorer]") {
  CostExplorerFixture x;
  x.set_rows(two_accounts_three_days(x), 5);  // 12 day-groups, 5 per page: 3 pages
  auto l = x.location();
  auto source = x.source(l);
  auto results = x.sync(l, *source);
  REQUIRE_FALSE(results.empty());
  for (const auto& r : results) {
    INFO(r.error);
    CHECK(r.status == RunStatus::succeeded);
  }
  CHECK(testing::billed_total(x.f.db) == Approx(3 * 18));
  CHECK(testing::effective_total(x.f.db) == Approx(3 * 15));
  // Cost Explorer answers every day of the asked window, empty ones too: 12 day-groups on three
  // days plus one entry per other day of the window (which depends on today's date), 5 per page.
  auto stats = x.fakes.stats();
  const auto& period = stats.at("ce_requests").as_array().at(0).as_object().at("body").as_object().at("TimePeriod").as_object();
  auto window_start = parse_day(std::string(period.at("Start").as_string()));
  auto window_end = parse_day(std::string(period.at("End").as_string()));
  REQUIRE(window_start);
  REQUIRE(window_end);
  const auto window_days = (*window_end - *window_start).count();
  REQUIRE(window_days >= 3);
  const std::int64_t pages = (12 + (window_days - 3) + 4) / 5;
  CHECK(x.stat("GetCostAndUsage") == pages);
  CHECK(x.calls_recorded() == pages);
  // Cost Explorer's EC2 names continue the exports' series.
  CHECK(testing::billed_total(x.f.db, "service_name = 'Amazon Elastic Compute Cloud'") == Approx(3 * 12));
  CHECK(testing::billed_total(x.f.db, "sub_account_id = '222222222222'") == Approx(15));
  // The rows are Cost Explorer's, today's marked estimated.
  auto from = query::cost_sources(x.f.db, query::Dimension::account,
                                  query::between(x.today - std::chrono::days{2}, x.today));
  REQUIRE(from.size() == 2);
  CHECK(from[0].source == "aws-ce");
  CHECK(from[0].kind == "api:aws-cost-explorer");
  CHECK(from[0].estimated);
  CHECK_THAT(from[0].label(), Catch::Contains("Cost Explorer, estimated"));
  auto yesterday = query::cost_sources(x.f.db, query::Dimension::account,
                                       query::between(x.today - std::chrono::days{2}, x.today - std::chrono::days{1}));
  REQUIRE_FALSE(yesterday.empty());
  CHECK_FALSE(yesterday[0].estimated);

  // The same answers again: nothing rewritten, but the calls are counted (and paid) again.
  auto again = x.sync(l, *source);
  for (const auto& r : again) CHECK(r.status == RunStatus::unchanged);
  CHECK(x.calls_recorded() == 2 * pages);

  // New figures for today: the month is replaced, never added to.
  auto rows = two_accounts_three_days(x);
  rows.push_back({x.day(0), "222222222222", "AWS Lambda", 3, 3, "", true});
  x.set_rows(rows, 5);
  auto fresh = x.source(l);
  auto third = x.sync(l, *fresh);
  for (const auto& r : third) CHECK(r.status == RunStatus::succeeded);
  CHECK(testing::billed_total(x.f.db) == Approx(3 * 18 + 3));
}

TEST_CASE("Cost Explorer: with a team tag, each linked account by service and the tag", "[aws][cost-explorer]") {
  CostExplorerFixture x;
  x.set_rows({{x.day(1), "111111111111", "AWS Lambda", 4, 4, "payments"},
              {x.day(1), "111111111111", "AWS Lambda", 1, 1, ""},
              {x.day(1), "222222222222", "Amazon DynamoDB", 6, 6, "search"}});
  auto l = x.location("?team_tag=team");
  auto source = x.source(l);
  for (const auto& r : x.sync(l, *source)) {
    INFO(r.error);
    CHECK(r.status == RunStatus::succeeded);
  }
  CHECK(x.stat("GetDimensionValues") == 1);
  CHECK(x.stat("GetCostAndUsage") == 2);  // one per linked account
  CHECK(x.calls_recorded() == 3);
  CHECK(testing::billed_total(x.f.db, "team = 'payments'") == Approx(4));
  CHECK(testing::billed_total(x.f.db, "team = 'search'") == Approx(6));
  CHECK(testing::billed_total(x.f.db) == Approx(11));
  // Every request the fake saw grouped by two keys at most.
  auto stats = x.fakes.stats();  // owned here: the loop below walks into it
  for (const auto& req : stats.at("ce_requests").as_array()) {
    const auto& body = req.as_object().at("body").as_object();
    if (auto* g = body.if_contains("GroupBy")) CHECK(g->as_array().size() <= 2);
  }
}

TEST_CASE("Cost Explorer: throttling is waited out with Retry-After, and the daily cap stops paid calls",
          "[aws][cost-explorer]") {
  CostExplorerFixture x;
  x.set_rows(two_accounts_three_days(x));
  x.fakes.configure(R"({"ce": {"faults": [{"status": 429, "retry_after": 2}, {"status": 503, "retry_after": 1},
                                          {"status": 400, "type": "ThrottlingException"}]}})");
  auto l = x.location("?max_calls_per_day=6");
  auto source = x.source(l);
  for (const auto& r : x.sync(l, *source)) {
    INFO(r.error);
    CHECK(r.status == RunStatus::succeeded);
  }
  REQUIRE(x.waits.size() == 3);
  CHECK(x.waits[0] == std::chrono::seconds(2));  // the service's Retry-After
  CHECK(x.waits[1] == std::chrono::seconds(1));
  CHECK(x.waits[2] > std::chrono::milliseconds(0));  // no Retry-After: backoff
  CHECK(x.calls_recorded() == 4);  // throttled requests count too
  CHECK(testing::billed_total(x.f.db) == Approx(3 * 18));

  // 4 of 6 used; the next run may make 2 more, the one after none.
  auto second = x.source(l);
  x.sync(l, *second);
  CHECK(x.calls_recorded() == 5);
  auto third = x.source(l);
  x.sync(l, *third);
  CHECK(x.calls_recorded() == 6);
  const auto seen = x.stat("GetCostAndUsage");
  auto capped = x.source(l);
  auto r = x.sync(l, *capped);
  REQUIRE(r.size() == 1);
  CHECK(r[0].status == RunStatus::failed);
  CHECK_THAT(r[0].error, Catch::Contains("daily cap of 6 calls") && Catch::Contains("max_calls_per_day"));
  CHECK(x.stat("GetCostAndUsage") == seen);  // not one more request
  CHECK(testing::billed_total(x.f.db) == Approx(3 * 18));  // the data stays
}

TEST_CASE("Cost Explorer: a session that expires mid-run is renewed through STS and the call repeated",
          "[aws][cost-explorer]") {
  CostExplorerFixture x;
  const std::string role = "arn:aws:iam::999988887777:role/costbot-ce";
  x.fakes.configure(R"({"roles": {")" + role + R"(": {"external_id": "acme"}}})");
  x.set_rows(two_accounts_three_days(x));
  x.env.set("AWS_ENDPOINT_URL_STS", x.fakes.endpoint() + "/");
  aws::CredentialSettings cs;
  cs.role_arn = role;
  cs.external_id = "acme";
  auto l = x.location();
  auto source = x.source(l, cs);
  for (const auto& r : x.sync(l, *source)) CHECK(r.status == RunStatus::succeeded);
  x.fakes.expire_sessions();
  x.set_rows(two_accounts_three_days(x), 6);  // changed paging: a new run reads again
  for (const auto& r : x.sync(l, *source)) {
    INFO(r.error);
    CHECK((r.status == RunStatus::succeeded || r.status == RunStatus::unchanged));
  }
  auto stats = x.fakes.stats();
  CHECK(stats.at("sts").as_object().at("AssumeRole").as_int64() == 2);
  bool saw_expired = false;
  for (const auto& e : stats.at("refused").as_array()) saw_expired = saw_expired || e.as_string() == "ce ExpiredTokenException";
  CHECK(saw_expired);
}

TEST_CASE("one account from its export and Cost Explorer is counted once: the export wins its days",
          "[aws][cost-explorer]") {
  CostExplorerFixture x;
  // Cost Explorer has accounts 1 and 2 for the last three days.
  x.set_rows(two_accounts_three_days(x));
  // The CUR export of account 1 covers the two days before today (exports lag).
  auto cur_row = [&](const std::string& day, double cost) {
    return "999988887777," + day.substr(0, 7) + "-01T00:00:00Z," + day + "T00:00:00Z," + std::to_string(cost) +
           ",Usage,USD,111111111111,AmazonEC2\n";
  };
  const std::string cur_header =
      "bill_payer_account_id,bill_billing_period_start_date,line_item_usage_start_date,line_item_unblended_cost,"
      "line_item_line_item_type,line_item_currency_code,line_item_usage_account_id,line_item_product_code\n";
  REQUIRE(x.f.ingest(ingest::SourceType::cur, x.f.dir.write("cur-a.csv", cur_header + cur_row(x.day(2), 20) + cur_row(x.day(1), 21)))
              .status == RunStatus::succeeded);
  auto l = x.location();
  auto source = x.source(l);
  for (const auto& r : x.sync(l, *source)) CHECK(r.status == RunStatus::succeeded);

  // Account 1: the export's 41 for its two days, Cost Explorer's 13 for today only. Account 2: Cost Explorer.
  CHECK(testing::billed_total(x.f.db, "sub_account_id = '111111111111'") == Approx(20 + 21 + 13));
  CHECK(testing::billed_total(x.f.db, "sub_account_id = '222222222222'") == Approx(15));
  auto from = query::cost_sources(x.f.db, query::Dimension::account,
                                  query::between(x.today - std::chrono::days{2}, x.today));
  std::vector<std::string> account1;
  for (const auto& c : from)
    if (c.key == "111111111111") account1.push_back(c.label() + " " + format_day(c.first) + ".." + format_day(c.last));
  REQUIRE(account1.size() == 2);
  CHECK(account1[0] == "cur file " + x.day(2) + ".." + x.day(1));
  CHECK(account1[1] == "aws-ce (Cost Explorer, estimated) " + x.day(0) + ".." + x.day(0));

  // The export catches up with today: Cost Explorer's figure for that day gives way.
  REQUIRE(x.f.ingest(ingest::SourceType::cur,
                     x.f.dir.write("cur-b.csv", cur_header + cur_row(x.day(2), 20) + cur_row(x.day(1), 21) + cur_row(x.day(0), 22)))
              .status == RunStatus::succeeded);
  CHECK(testing::billed_total(x.f.db, "sub_account_id = '111111111111'") == Approx(20 + 21 + 22));
  CHECK(testing::billed_total(x.f.db, "sub_account_id = '222222222222'") == Approx(15));
  // And a later Cost Explorer run does not bring it back.
  x.set_rows(two_accounts_three_days(x), 7);
  auto later = x.source(l);
  for (const auto& r : x.sync(l, *later)) CHECK(r.status != RunStatus::failed);
  CHECK(testing::billed_total(x.f.db, "sub_account_id = '111111111111'") == Approx(20 + 21 + 22));
}

TEST_CASE("Cost Explorer: a key id variable without its secret's variable is refused by name",
          "[aws][cost-explorer]") {
  testing::IngestFixture f;
  http::Client client{ce_client_options()};
  auto l = ingest::parse_remote_location("aws-cost-explorer://999988887777?access_key_id_env=CE_KEY_ID",
                                         ingest::SourceType::focus, "aws-ce");
  REQUIRE(l);
  CHECK_THROWS_WITH(aws::open_cost_explorer_source(*l, client, f.clock),
                    Catch::Contains("access_key_id_env= in the URL") &&
                        Catch::Contains("access_key_id_env and secret_access_key_env go together"));
}
