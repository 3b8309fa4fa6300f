#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "engine/query/costs.hpp"
#include "engine/storage/database.hpp"
#include "engine/storage/migrations.hpp"
#include "engine/util/error.hpp"
#include "tests/support/test_support.hpp"

using namespace costbot;

TEST_CASE("migrations apply once, in order, and the database uses WAL and foreign keys", "[storage]") {
  testing::TempDir dir;
  storage::Database db(dir.file("a.db"));
  CHECK_FALSE(db.is_current());
  auto applied = db.migrate();
  CHECK(applied.size() == storage::embedded_migrations().size());
  CHECK(db.is_current());
  CHECK(db.migrate().empty());
  CHECK(db.sql().execAndGet("PRAGMA journal_mode").getString() == "wal");
  CHECK(db.sql().execAndGet("PRAGMA foreign_keys").getInt() == 1);
  int previous = 0;
  for (const auto& m : storage::embedded_migrations()) {
    CHECK(m.version > previous);
    previous = m.version;
  }
}

TEST_CASE("cost queries total, rank and fill daily series", "[storage][query]") {
  testing::TempDir dir;
  auto db = storage::open_migrated(dir.file("q.db"));
  db.sql().exec(
      "INSERT INTO billing_scopes(id, source_type, provider, billing_account_id, billing_period_start) "
      "VALUES (1, 'focus', 'AWS', 'b1', '2024-09-01')");
  auto add = [&](const char* day, const char* team, const char* service, double billed, double effective) {
    SQLite::Statement q(db.sql(),
                        "INSERT INTO cost_daily(scope_id, day, key_hash, provider, team, service_name, sub_account_id, "
                        "sub_account_name, billed_cost, effective_cost, row_count) VALUES (1, ?, random(), 'AWS', ?, ?, "
                        "'a1', 'Account One', ?, ?, 1)");
    q.bind(1, day);
    q.bind(2, team);
    q.bind(3, service);
    q.bind(4, billed);
    q.bind(5, effective);
    q.exec();
  };
  add("2024-09-01", "payments", "EC2", 10, 9);
  add("2024-09-01", "search", "S3", 5, 5);
  add("2024-09-03", "payments", "EC2", 20, 18);
  add("2024-08-15", "payments", "EC2", 100, 100);

  query::CostQuery q(db);
  auto sept = *query::parse_period("2024-09", *parse_day("2024-09-18"));
  auto by_team = q.totals(query::Dimension::team, sept);
  REQUIRE(by_team.size() == 2);
  CHECK(by_team[0].key == "payments");
  CHECK(by_team[0].billed == Approx(30));
  CHECK(by_team[0].effective == Approx(27));
  CHECK(q.totals(query::Dimension::team, sept, {}, 1).size() == 1);
  auto by_account = q.totals(query::Dimension::account, sept);
  CHECK(by_account[0].label == "Account One");

  auto series = q.daily_total({*parse_day("2024-09-01"), *parse_day("2024-09-04"), ""},
                              {{query::Dimension::team, "payments"}});
  CHECK(series == std::vector<double>{9, 0, 18});
  auto per_service = q.daily_series(query::Dimension::service, {*parse_day("2024-09-01"), *parse_day("2024-09-03"), ""});
  CHECK(per_service["S3"] == std::vector<double>{5, 0});

  auto pace = q.month_pace(*parse_day("2024-09-03"), {{query::Dimension::team, "payments"}});
  CHECK(pace.month_to_date == Approx(27));
  CHECK(pace.previous_month_total == Approx(100));
  CHECK(pace.days_elapsed == 3);
  CHECK(pace.days_in_month == 30);
  auto range = q.data_range();
  REQUIRE(range);
  CHECK(format_day(range->first) == "2024-08-15");
}

namespace {

// Runs `body` in a child process without root's right to write any file (root ignores file modes),
// so a read-only file is read-only; returns the child's exit status (0: every check held).
template <typename F>
int storage_as_nobody(F body) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(3);
    ::_exit(body() ? 0 : 1);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

TEST_CASE("a truncated or read-only database file is refused at start with its name, and never mapped", "[storage][security]") {
  // Issue 15 finding 11: a read-only or cut database crashed serve with SIGBUS and no log line.
  testing::TempDir dir;
  const auto original = dir.file("costbot.db");
  {
    auto db = storage::open_migrated(original);
    CHECK(db.sql().execAndGet("PRAGMA mmap_size").getInt64() == 0);  // read(), never a mapping
    db.require_writable();                                           // an ordinary file: fine
  }
  REQUIRE_FALSE(std::filesystem::exists(original + "-wal"));  // checkpointed at close
  const auto size = std::filesystem::file_size(original);

  SECTION("truncated: refused at open, naming the file and what is missing") {
    const auto cut = dir.file("cut.db");
    std::filesystem::copy_file(original, cut);
    std::filesystem::resize_file(cut, size / 2);
    CHECK_THROWS_WITH(storage::Database(cut), Catch::Contains("cannot use database " + cut) &&
                                                  Catch::Contains("truncated") && Catch::Contains("restore it from a backup"));
    // Not a database at all (a cut before the header ends).
    std::filesystem::resize_file(cut, 50);
    CHECK_THROWS_WITH(storage::Database(cut), Catch::Contains(cut) && Catch::Contains("not a SQLite database"));
  }
  SECTION("read-only: still readable, but a service that writes is refused at start") {
    const auto copy = dir.file("readonly.db");
    std::filesystem::copy_file(original, copy);
    std::filesystem::permissions(copy, std::filesystem::perms::owner_read | std::filesystem::perms::group_read |
                                           std::filesystem::perms::others_read);
    auto status = storage_as_nobody([&] {
      try {
        storage::Database db(copy);
        if (db.schema_version() <= 0) return false;
        db.require_writable();
        return false;  // not refused
      } catch (const Error& e) {
        const std::string what = e.what();
        return what.find("cannot use database " + copy) != std::string::npos && what.find("read-only") != std::string::npos;
      } catch (...) {
        return false;
      }
    });
    CHECK(status == 0);
  }
}
