#include <boost/json.hpp>
#include <signal.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <thread>

#include "engine/storage/database.hpp"
#include "tests/support/focus_generator.hpp"
#include "tests/support/ingest_support.hpp"
#include "tests/support/process.hpp"
#include "tests/support/test_support.hpp"

using namespace costbot;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

const std::string kSample = testing::source_path("tests/fixtures/focus/focus_sample.csv");

// Totals computed by Python's csv module with exact decimals: independent of costbot's parser.
const char* kPythonTotals = R"PY(
import csv, json, sys
from decimal import Decimal
out = {"rows": 0, "provider": {}, "service": {}}
with open(sys.argv[1], newline="", encoding="utf-8-sig") as f:
    for row in csv.DictReader(f):
        out["rows"] += 1
        for dim, column in (("provider", "ProviderName"), ("service", "ServiceName")):
            key = "" if row[column] == "NULL" else row[column]
            billed, effective = out[dim].get(key, (Decimal(0), Decimal(0)))
            out[dim][key] = (billed + Decimal(row["BilledCost"]), effective + Decimal(row["EffectiveCost"]))
for dim in ("provider", "service"):
    out[dim] = {k: [str(b), str(e)] for k, (b, e) in out[dim].items()}
print(json.dumps(out))
)PY";

json::value run_json(const std::vector<std::string>& args) {
  auto r = testing::run_costbot(args);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

// Cost totals per provider, account and day, printed to 6 decimals: equal means the same data.
std::vector<std::string> cost_fingerprint(const std::string& db_path) {
  storage::Database db(db_path);
  SQLite::Statement q(db.sql(),
                      "SELECT provider || '|' || billing_account_id || '|' || day || '|' || printf('%.6f', SUM(billed_cost)) "
                      "|| '|' || printf('%.6f', SUM(effective_cost)) || '|' || SUM(row_count) FROM cost_daily "
                      "GROUP BY provider, billing_account_id, day ORDER BY 1");
  std::vector<std::string> out;
  while (q.executeStep()) out.push_back(q.getColumn(0).getString());
  return out;
}

std::string sql_value(const std::string& db_path, const std::string& sql) {
  storage::Database db(db_path);
  return db.sql().execAndGet(sql).getString();
}

}  // namespace

TEST_CASE("the FOCUS sample's totals per provider and service match Python's csv module to the cent", "[ingest][cli]") {
  testing::TempDir dir;
  auto python = testing::run({"python3", "-c", kPythonTotals, kSample});
  INFO(python.err);
  REQUIRE(python.exit_code == 0);
  auto expected = json::parse(python.out).as_object();
  CHECK(expected.at("rows").as_int64() == 1000);

  auto db = dir.file("costbot.db");
  auto ingest = testing::run_costbot({"--db", db, "ingest", "--source", "focus", kSample});
  INFO(ingest.err);
  REQUIRE(ingest.exit_code == 0);
  CHECK_THAT(ingest.out, Catch::Contains(kSample + ": 1000 rows read, 1000 accepted, 0 rejected"));

  for (std::string dim : {"provider", "service"}) {
    auto costs = run_json({"--db", db, "costs", "--by", dim, "--format", "json"});
    const auto& want = expected.at(dim).as_object();
    const auto& rows = costs.at("rows").as_array();
    CHECK(rows.size() == want.size());
    long long total_rows = 0;
    for (const auto& row : rows) {
      std::string key(row.at("key").as_string());
      INFO(dim << " " << key);
      REQUIRE(want.contains(key));
      double billed = std::stod(std::string(want.at(key).as_array()[0].as_string()));
      double effective = std::stod(std::string(want.at(key).as_array()[1].as_string()));
      CHECK(std::abs(row.at("billed_cost").to_number<double>() - billed) < 0.005);
      CHECK(std::abs(row.at("effective_cost").to_number<double>() - effective) < 0.005);
      total_rows += row.at("rows").as_int64();
    }
    CHECK(total_rows == 1000);
  }
}

TEST_CASE("costbot ingest prints quarantined rows as file:line and fails only for a broken file", "[ingest][cli]") {
  testing::TempDir dir;
  auto db = dir.file("c.db");
  auto mixed = dir.write("mixed.csv", testing::focus_csv({{.billed = "2"}, {.billed = "two"}, {.billed = "3"}}));
  auto broken = dir.write("broken.csv", "BilledCost,Region\n1,us\n");
  auto r = testing::run_costbot({"--db", db, "ingest", "--source", "focus", mixed, broken, kSample});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Catch::Contains(mixed + ": 3 rows read, 2 accepted, 1 rejected"));
  CHECK_THAT(r.out, Catch::Contains("  quarantined " + mixed + ":3: BilledCost: expected a number, got \"two\""));
  CHECK_THAT(r.out, Catch::Contains(broken + ": FAILED"));
  CHECK_THAT(r.err, Catch::Contains(broken + " is not a FOCUS 1.0 CSV file: missing required columns EffectiveCost"));
  CHECK_THAT(r.out, Catch::Contains(kSample + ": 1000 rows read, 1000 accepted"));  // later files still run

  auto history = testing::run_costbot({"--db", db, "ingest", "--history"});
  REQUIRE(history.exit_code == 0);
  CHECK_THAT(history.out, Catch::Contains("failed") && Catch::Contains("succeeded") && Catch::Contains(broken));

  auto bad_source = testing::run_costbot({"--db", db, "ingest", "--source", "parquet", mixed});
  CHECK(bad_source.exit_code != 0);
  CHECK_THAT(bad_source.err, Catch::Contains("--source"));
}

TEST_CASE("costbot ingest without paths runs the configured sources", "[ingest][cli]") {
  testing::TempDir dir;
  dir.write("exports/a.csv.gz", testing::gzip_bytes(testing::focus_csv({{.billed = "5", .account = "acct-9"}})));
  auto config = dir.write("costbot.yaml", "ingest:\n  sources:\n    - name: exports\n      type: focus\n      paths: [\"" +
                                              dir.file("exports") + "/*.gz\"]\n");
  auto db = dir.file("c.db");
  auto r = testing::run_costbot({"--config", config, "--db", db, "ingest"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains(dir.file("exports/a.csv.gz") + ": 1 rows read, 1 accepted"));
  auto again = testing::run_costbot({"--config", config, "--db", db, "ingest"});
  CHECK_THAT(again.out, Catch::Contains("skipped, unchanged since run 1"));
  CHECK(sql_value(db, "SELECT COUNT(*) FROM ingest_runs") == "2");
}

TEST_CASE("a SIGKILLed ingest leaves the state before it or the complete run, never a part", "[ingest][cli][crash]") {
  testing::TempDir dir;
  // Small batches so the run writes (and the WAL grows) from its first seconds on.
  auto config = dir.write("costbot.yaml", "ingest:\n  batch_rows: 2000\n");
  // Big enough that the run's write transaction outgrows SQLite's 2 MB page cache and spills into
  // the WAL well before it ends (a 23k-row file grows the WAL to ~10 MB), small enough to ingest
  // three times in seconds under ASan.
  testing::FocusGeneratorOptions gen;
  gen.rows = 30000;
  gen.days = 30;
  gen.resources = 1500;
  gen.first_day = "2024-08-15";  // August and September: replaces the sample's September scopes
  auto big = dir.file("big.csv");
  auto generated = testing::generate_focus_file(kSample, big, gen);

  // The reference: both files ingested without interruption into another database.
  auto reference_db = dir.file("reference.db");
  for (const auto& file : {kSample, big})
    REQUIRE(testing::run_costbot({"--config", config, "--db", reference_db, "ingest", "--source", "focus", file}).exit_code == 0);
  auto complete = cost_fingerprint(reference_db);

  auto db = dir.file("crash.db");
  REQUIRE(testing::run_costbot({"--config", config, "--db", db, "ingest", "--source", "focus", kSample}).exit_code == 0);
  auto before = cost_fingerprint(db);
  REQUIRE(before != complete);

  {
    testing::ChildProcess ingest({testing::costbot_binary(), "--config", config, "--db", db, "ingest", "--source",
                                  "focus", big},
                                 {}, dir.file("killed-ingest.log"));
    // Wait until the run is clearly under way: its pages are spilling into the write-ahead log.
    const auto wal = db + "-wal";
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    std::error_code ec;
    while (ingest.running() && std::chrono::steady_clock::now() < deadline &&
           (!fs::exists(wal, ec) || fs::file_size(wal, ec) < (2u << 20)))
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    REQUIRE(ingest.running());  // otherwise the file is too small to interrupt: nothing was tested
    ingest.signal(SIGKILL);
    CHECK(ingest.wait(std::chrono::seconds(30)) == 128 + SIGKILL);
  }

  // Restart: a new connection recovers the database from the WAL.
  auto after_kill = cost_fingerprint(db);
  CHECK(after_kill == before);
  CHECK(sql_value(db, "SELECT COUNT(*) FROM ingest_runs") == "1");  // the killed run left no trace
  CHECK(sql_value(db, "PRAGMA integrity_check") == "ok");

  auto rerun = testing::run_costbot({"--config", config, "--db", db, "ingest", "--source", "focus", big});
  INFO(rerun.err);
  REQUIRE(rerun.exit_code == 0);
  CHECK(cost_fingerprint(db) == complete);
  // And the run's own scopes hold exactly what the generator wrote.
  auto run_billed = std::stod(sql_value(db, "SELECT SUM(billed_cost) FROM cost_daily c JOIN billing_scopes s ON s.id = c.scope_id "
                                        "WHERE s.run_id = (SELECT MAX(id) FROM ingest_runs)"));
  CHECK(std::abs(run_billed - generated.billed) < 0.01);
  CHECK(sql_value(db, "SELECT SUM(row_count) FROM cost_daily c JOIN billing_scopes s ON s.id = c.scope_id "
                  "WHERE s.run_id = (SELECT MAX(id) FROM ingest_runs)") == std::to_string(generated.rows));
}
