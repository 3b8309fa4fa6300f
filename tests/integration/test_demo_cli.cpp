// `costbot demo` as a process into a temp database, then read back through the CLI and the store.
#include <boost/json.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <numeric>
#include <set>

#include "engine/ingest/byte_source.hpp"
#include "engine/ingest/csv_reader.hpp"
#include "engine/query/costs.hpp"
#include "engine/storage/database.hpp"
#include "engine/util/hash.hpp"
#include "tests/support/test_support.hpp"

using namespace costbot;
using testing::run_costbot;
namespace json = boost::json;

namespace {

constexpr const char* kNow = "2024-10-18T09:00:00Z";  // the history is 2024-07-21 .. 2024-10-18

struct Demo {
  testing::TempDir dir;
  std::string db = dir.file("demo.db");
  testing::RunResult result;

  explicit Demo(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"demo", "--db", db};
    args.insert(args.end(), extra.begin(), extra.end());
    result = run_costbot(args, {std::string("COSTBOT_NOW=") + kNow});
  }
  testing::RunResult cli(std::vector<std::string> args) const {
    args.insert(args.begin(), {"--db", db});
    return run_costbot(args, {std::string("COSTBOT_NOW=") + kNow});
  }
  std::string focus_csv() const { return (dir.path() / "demo-data" / "focus_demo.csv").string(); }
  std::string usage_csv() const { return (dir.path() / "demo-data" / "usage_metrics.csv").string(); }
  std::map<std::string, double> totals(const std::string& by) const {
    auto r = cli({"costs", "--by", by, "--from", "2024-07-21", "--to", "2024-10-18", "--format", "json"});
    REQUIRE(r.exit_code == 0);
    std::map<std::string, double> out;
    auto parsed = json::parse(r.out);
    for (const auto& row : parsed.at("rows").as_array())
      out[std::string(row.at("key").as_string())] = row.at("effective_cost").to_number<double>();
    return out;
  }
};

std::vector<double> daily(storage::Database& db, const std::string& from, const std::string& to, query::Filters filters) {
  query::CostQuery q(db);
  return q.daily_total(query::between(parse_day(from), parse_day(to)), filters);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double scalar(storage::Database& db, const std::string& sql) {
  SQLite::Statement q(db.sql(), sql);
  REQUIRE(q.executeStep());
  return q.getColumn(0).getDouble();
}

}  // namespace

TEST_CASE("costbot demo builds 90 days of multi-cloud costs for the example config's teams", "[demo][cli]") {
  Demo demo;
  INFO(demo.result.out << demo.result.err);
  REQUIRE(demo.result.exit_code == 0);
  CHECK_THAT(demo.result.out, Catch::Contains("90 days of multi-cloud billing, 2024-07-21 .. 2024-10-18 (seed 42)"));
  CHECK_THAT(demo.result.out, Catch::Contains("0 rejected"));

  auto teams = demo.totals("team");
  for (const char* team : {"payments", "platform", "data-platform", ""}) {
    INFO("team " << team);
    REQUIRE(teams.count(team));
    CHECK(teams[team] > 10000);  // over 90 days
  }
  CHECK(teams.size() == 4);  // every tag spelling (owner-team, squad, business_unit) lands on a configured team
  auto providers = demo.totals("provider");
  CHECK(providers.size() == 3);
  for (const char* provider : {"AWS", "Microsoft", "Oracle"}) {
    INFO("provider " << provider);
    CHECK(providers[provider] > 1000);
  }

  storage::Database db(demo.db);
  auto all = daily(db, "2024-07-21", "2024-10-18", {});
  REQUIRE(all.size() == 90);
  CHECK(std::all_of(all.begin(), all.end(), [](double v) { return v > 0; }));
  SQLite::Statement range(db.sql(), "SELECT MIN(day), MAX(day), COUNT(DISTINCT resource_id) FROM cost_daily");
  REQUIRE(range.executeStep());
  CHECK(range.getColumn(0).getString() == "2024-07-21");
  CHECK(range.getColumn(1).getString() == "2024-10-18");
  CHECK(range.getColumn(2).getInt() >= 200);

  // Weekly seasonality: platform compute is quieter on weekends.
  auto platform = daily(db, "2024-07-21", "2024-10-18", {{query::Dimension::team, "platform"}});
  double weekend_sum = 0, weekday_sum = 0;
  int weekends = 0, weekdays = 0;
  for (std::size_t i = 0; i < platform.size(); ++i) {
    unsigned wd = weekday(*parse_day("2024-07-21") + std::chrono::days{static_cast<int>(i)});
    if (wd == 0 || wd == 6) {
      weekend_sum += platform[i];
      ++weekends;
    } else {
      weekday_sum += platform[i];
      ++weekdays;
    }
  }
  CHECK(weekend_sum / weekends < 0.97 * weekday_sum / weekdays);
}

TEST_CASE("the demo's injected stories are in the data: spike, level shift, waste metrics, untagged spend", "[demo][cli]") {
  Demo demo;
  REQUIRE(demo.result.exit_code == 0);
  for (const char* kind : {"spike", "level_shift", "slow_growth", "idle_compute", "unattached_storage", "oversized_instance",
                           "unused_commitment", "untagged_spend", "off_hours_nonprod", "budget_pressure"})
    CHECK_THAT(demo.result.out, Catch::Contains(std::string("    ") + kind + " "));
  storage::Database db(demo.db);

  // The runaway GPU autoscaling in payments: the last three days tower over the month before.
  auto payments = daily(db, "2024-09-18", "2024-10-18", {{query::Dimension::team, "payments"}});
  REQUIRE(payments.size() == 31);
  const double usual = median(std::vector<double>(payments.begin(), payments.end() - 3));
  for (int i = 1; i <= 3; ++i) CHECK(payments[payments.size() - static_cast<std::size_t>(i)] > usual + 1000);
  CHECK(payments[payments.size() - 4] < usual * 1.3);  // it started three days ago, not before

  // The data warehouse's level shift three weeks ago, and the raw-events bucket's growth.
  auto warehouse = daily(db, "2024-07-21", "2024-10-18",
                         {{query::Dimension::resource, "arn:aws:rds:us-east-1:18938484842:db:data-warehouse-analytics"}});
  const double before = std::accumulate(warehouse.begin() + 30, warehouse.begin() + 60, 0.0) / 30;
  const double after = std::accumulate(warehouse.end() - 14, warehouse.end(), 0.0) / 14;
  CHECK(after > 2 * before);
  auto lake = daily(db, "2024-07-21", "2024-10-18", {{query::Dimension::resource, "arn:aws:s3:::data-lake-raw-events"}});
  CHECK(lake.back() > 2 * lake.front());

  // Usage metrics for the waste rules, under the names the rules read.
  CHECK(scalar(db, "SELECT COUNT(DISTINCT metric) FROM usage_metrics WHERE metric IN ('cpu_utilization', 'attached', 'utilization')") == 3);
  auto resource_of = [&](const std::string& name) {
    SQLite::Statement q(db.sql(), "SELECT resource_id FROM resources WHERE resource_name = ?");
    q.bind(1, name);
    REQUIRE(q.executeStep());
    return q.getColumn(0).getString();
  };
  const UnixSeconds last = *parse_instant("2024-10-18T00:00:00Z");
  auto metric = [&](const char* fn, const std::string& name, const char* metric_name, int days) {
    SQLite::Statement q(db.sql(), std::string("SELECT ") + fn + "(value), COUNT(*) FROM usage_metrics WHERE resource_id = ? AND metric = ? AND ts > ?");
    q.bind(1, resource_of(name));
    q.bind(2, metric_name);
    q.bind(3, static_cast<std::int64_t>(last - days * 86400LL));
    REQUIRE(q.executeStep());
    CHECK(q.getColumn(1).getInt() >= days);
    return q.getColumn(0).getDouble();
  };
  CHECK(metric("MAX", "platform-bastion-legacy", "cpu_utilization", 14) < 2.0);  // idle
  CHECK(metric("MAX", "platform-jenkins-data-old", "attached", 14) == 0.0);      // unattached
  CHECK(metric("AVG", "payments-ledger-replica", "cpu_utilization", 30) < 20.0);  // oversized
  CHECK(metric("AVG", "platform-ri-m5-fleet", "utilization", 7) < 10.0);         // unused commitment
  CHECK(metric("MIN", "staging-etl-runner", "cpu_utilization", 13) >= 45.0);     // busy day and night
  CHECK(scalar(db, "SELECT COUNT(*) FROM usage_metrics WHERE resource_id = (SELECT resource_id FROM resources "
                   "WHERE resource_name = 'staging-etl-runner')") >= 14 * 24);
  SQLite::Statement env(db.sql(), "SELECT environment, team FROM resources WHERE resource_name = 'staging-etl-runner'");
  REQUIRE(env.executeStep());
  CHECK(env.getColumn(0).getString() == "staging");
  CHECK(env.getColumn(1).getString() == "data-platform");

  // Untagged spend: well over $100 a day with no team.
  auto untagged = daily(db, "2024-10-12", "2024-10-18", {{query::Dimension::team, ""}});
  CHECK(std::accumulate(untagged.begin(), untagged.end(), 0.0) / 7 > 100);

  // Approval requests for the web page, opened by approvals.triggers from the findings: the
  // payments spike once (at team scope, not again per service, account and provider), the unused
  // reservation, the idle and the oversized instance; the $196/month volume is under min_amount.
  auto list = demo.cli({"approvals", "list", "--open", "--format", "json"});
  REQUIRE(list.exit_code == 0);
  std::multiset<std::string> workflows;
  auto requests = json::parse(list.out);
  for (const auto& r : requests.as_array()) workflows.insert(std::string(r.at("workflow").as_string()));
  CHECK(workflows == std::multiset<std::string>{"lead-finops-cfo", "lead-then-finops", "team-lead", "team-lead"});

  // What detection made of the cost stories: the runaway GPU is ONE cost-anomaly incident (the
  // broader scopes are its context), and the raw-events bucket's slow growth is a finding of its
  // own (drift or runaway growth, its dollars over the shipped $50/day floor).
  auto found = demo.cli({"findings", "--format", "json"});
  REQUIRE(found.exit_code == 0);
  std::set<std::int64_t> payments_incidents;
  std::set<std::string> growth;
  const auto findings = json::parse(found.out);  // kept alive: the loop reads into it
  for (const auto& v : findings.at("findings").as_array()) {
    const auto& f = v.as_object();
    const std::string kind(f.at("kind").as_string());
    if (kind != "cost_spike" && kind != "level_shift" && kind != "drift" && kind != "runaway_growth") continue;
    if (f.at("team").as_string() == "payments") payments_incidents.insert(f.at("incident_id").as_int64());
    // A resource-scope finding names its resource in the scope's value.
    if (std::string(f.at("scope").at("value").as_string()).find("data-lake-raw-events") != std::string::npos) growth.insert(kind);
  }
  CHECK(payments_incidents.size() == 1);
  CHECK((growth.count("drift") + growth.count("runaway_growth")) > 0);
}

TEST_CASE("costbot demo is deterministic for a seed and day, and a rerun adds nothing twice", "[demo][cli]") {
  // 30 days, the shortest history the detectors take: determinism does not depend on the length,
  // and each demo costs about half the CPU of the default 90 days (4.4 vs 7.4 CPU-s under ASan).
  Demo a({"--seed", "7", "--days", "30"});
  Demo b({"--seed", "7", "--days", "30"});
  Demo c({"--seed", "8", "--days", "30"});
  REQUIRE(a.result.exit_code == 0);
  REQUIRE(b.result.exit_code == 0);
  REQUIRE(c.result.exit_code == 0);
  CHECK(hash::sha256_hex(testing::read_file(a.focus_csv())) == hash::sha256_hex(testing::read_file(b.focus_csv())));
  CHECK(hash::sha256_hex(testing::read_file(a.usage_csv())) == hash::sha256_hex(testing::read_file(b.usage_csv())));
  CHECK(a.totals("team") == b.totals("team"));
  CHECK(hash::sha256_hex(testing::read_file(a.focus_csv())) != hash::sha256_hex(testing::read_file(c.focus_csv())));
  CHECK(a.totals("team") != c.totals("team"));

  auto rerun = a.cli({"demo", "--seed", "7", "--days", "30"});
  REQUIRE(rerun.exit_code == 0);
  CHECK_THAT(rerun.out, Catch::Contains("approval requests (approvals.triggers):"));  // the same ones
  CHECK(a.totals("team") == b.totals("team"));  // replaced, not added
  auto list = a.cli({"approvals", "list", "--format", "json"});
  CHECK(json::parse(list.out).as_array().size() == 4);
}

TEST_CASE("the demo queues each persona's messages: the eng_manager's daily digest, not raw findings", "[demo][cli]") {
  Demo demo({"--days", "30"});  // the length is not the point
  REQUIRE(demo.result.exit_code == 0);
  CHECK_THAT(demo.result.out, Catch::Contains("daily digest: succeeded"));
  storage::Database db(demo.db);
  // eng_manager reads a daily digest (frequency daily_digest): its web feed gets that digest.
  CHECK(scalar(db, "SELECT COUNT(*) FROM outbox WHERE kind = 'web.post' AND payload LIKE '%persona:eng_manager%'") >= 1);
  CHECK(scalar(db, "SELECT COUNT(*) FROM outbox WHERE kind = 'web.post' AND payload LIKE '%persona:engineer%'") >= 1);
}

TEST_CASE("the service's scheduled ingest adds nothing to a demo database (no test data mixed in)", "[demo][cli]") {
  Demo demo({"--days", "30"});  // the length is not the point
  REQUIRE(demo.result.exit_code == 0);
  storage::Database before_db(demo.db);
  const double rows_before = scalar(before_db, "SELECT COUNT(*) FROM cost_daily");
  const double cost_before = scalar(before_db, "SELECT SUM(effective_cost) FROM cost_daily");
  // What `costbot serve` runs at its first :00/:30 tick with the example config.
  auto tick = demo.cli({"jobs", "run", "ingest"});
  INFO(tick.out << tick.err);
  REQUIRE(tick.exit_code == 0);
  CHECK_THAT(tick.out, Catch::Contains("nothing to do: ingest.sources is empty"));
  storage::Database after_db(demo.db);
  CHECK(scalar(after_db, "SELECT COUNT(*) FROM cost_daily") == rows_before);
  CHECK(scalar(after_db, "SELECT SUM(effective_cost) FROM cost_daily") == cost_before);
}

TEST_CASE("the demo's FOCUS file keeps the sample's columns and quoting", "[demo][cli]") {
  Demo demo({"--days", "30"});
  REQUIRE(demo.result.exit_code == 0);
  auto sample_path = testing::source_path("tests/fixtures/focus/focus_sample.csv");
  auto header_of = [](const std::string& text) { return text.substr(0, text.find('\n')); };
  CHECK(header_of(testing::read_file(demo.focus_csv())) == header_of(testing::read_file(sample_path)));

  // Per column: how the sample writes a value (quoted or not), learned from its first value.
  auto quoting = [](const std::string& path, std::size_t& rows) {
    ingest::CsvReader csv(ingest::open_file(path), path);
    REQUIRE(csv.next());
    const std::size_t columns = csv.size();
    std::vector<int> quoted(columns, -1);
    bool consistent = true;
    while (csv.next()) {
      ++rows;
      REQUIRE(csv.size() == columns);
      for (std::size_t i = 0; i < columns; ++i) {
        if (csv[i].missing()) continue;
        int q = csv[i].quoted ? 1 : 0;
        if (quoted[i] < 0) quoted[i] = q;
        consistent = consistent && quoted[i] == q;
      }
    }
    CHECK(consistent);
    return quoted;
  };
  std::size_t sample_rows = 0, demo_rows = 0;
  auto sample = quoting(sample_path, sample_rows);
  auto written = quoting(demo.focus_csv(), demo_rows);
  CHECK(demo_rows > 30 * 200);
  for (std::size_t i = 0; i < sample.size(); ++i) {
    INFO("column " << i);
    if (sample[i] >= 0 && written[i] >= 0) CHECK(sample[i] == written[i]);
  }
}

TEST_CASE("costbot demo rejects a history too short for the detectors", "[demo][cli]") {
  Demo demo({"--days", "10"});
  CHECK(demo.result.exit_code != 0);
  CHECK_THAT(demo.result.err, Catch::Contains("--days"));
}
