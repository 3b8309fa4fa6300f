#include <catch2/catch.hpp>

#include "engine/audit/audit.hpp"
#include "tests/support/test_support.hpp"

using namespace costbot;

namespace {
void append_rows(storage::Database& db, int n) {
  auto tx = db.begin_write();
  for (int i = 0; i < n; ++i)
    audit::append(db, {"U" + std::to_string(i), "decision.approve", "approval:1", {{"stage", i}}}, 1000 + i);
  tx.commit();
}
void drop_protection(storage::Database& db) {
  db.sql().exec("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete");
}
}  // namespace

TEST_CASE("the audit log is a hash chain that verifies when untouched", "[audit]") {
  testing::TempDir dir;
  auto db = storage::open_migrated(dir.file("a.db"));
  CHECK(audit::verify(db).ok);  // empty
  append_rows(db, 5);
  auto v = audit::verify(db);
  CHECK(v.ok);
  CHECK(v.rows == 5);
  CHECK(v.warnings.empty());
  auto rows = audit::list(db);
  REQUIRE(rows.size() == 5);
  CHECK(rows[0].prev_hash == std::string(64, '0'));
  for (std::size_t i = 1; i < rows.size(); ++i) CHECK(rows[i].prev_hash == rows[i - 1].hash);
  CHECK(audit::list(db, "approval:2").empty());
  CHECK(audit::list(db, "", 2).front().id == 4);
}

TEST_CASE("the audit log refuses updates and deletes from honest code", "[audit]") {
  testing::TempDir dir;
  auto db = storage::open_migrated(dir.file("a.db"));
  append_rows(db, 2);
  CHECK_THROWS_WITH(db.sql().exec("UPDATE audit_log SET actor = 'x' WHERE id = 1"), Catch::Contains("append-only"));
  CHECK_THROWS_WITH(db.sql().exec("DELETE FROM audit_log WHERE id = 1"), Catch::Contains("append-only"));
}

TEST_CASE("verify names the first edited or deleted audit row", "[audit]") {
  testing::TempDir dir;
  auto db = storage::open_migrated(dir.file("a.db"));
  append_rows(db, 6);
  drop_protection(db);
  SECTION("content edited") {
    db.sql().exec("UPDATE audit_log SET details = '{\"stage\":99}' WHERE id = 3");
    db.sql().exec("UPDATE audit_log SET actor = 'mallory' WHERE id = 5");
    auto v = audit::verify(db);
    CHECK_FALSE(v.ok);
    CHECK(v.bad_row == 3);
    CHECK_THAT(v.problem, Catch::Contains("row 3 was edited"));
  }
  SECTION("edited and re-hashed") {
    auto rows = audit::list(db);
    auto forged = audit::row_hash(rows[1].prev_hash, 2, rows[1].at, "mallory", rows[1].action, rows[1].subject, rows[1].details);
    db.sql().exec("UPDATE audit_log SET actor = 'mallory', hash = '" + forged + "' WHERE id = 2");
    auto v = audit::verify(db);
    CHECK_FALSE(v.ok);
    CHECK(v.bad_row == 2);
    CHECK_THAT(v.problem, Catch::Contains("row 3 no longer links"));
  }
  SECTION("a row deleted from the middle") {
    db.sql().exec("DELETE FROM audit_log WHERE id = 4");
    auto v = audit::verify(db);
    CHECK_FALSE(v.ok);
    CHECK(v.bad_row == 4);
    CHECK_THAT(v.problem, Catch::Contains("row 4 was deleted"));
  }
  SECTION("the first row deleted") {
    db.sql().exec("DELETE FROM audit_log WHERE id = 1");
    auto v = audit::verify(db);
    CHECK(v.bad_row == 1);
  }
  SECTION("rows cut off the end") {
    db.sql().exec("DELETE FROM audit_log WHERE id >= 5");
    auto v = audit::verify(db);
    CHECK_FALSE(v.ok);
    CHECK(v.bad_row == 5);
    CHECK_THAT(v.problem, Catch::Contains("rows 5..6 were deleted from the end"));
  }
  SECTION("untouched rows still verify, with a warning about the dropped triggers") {
    auto v = audit::verify(db);
    CHECK(v.ok);
    CHECK(v.warnings.size() == 1);
  }
}
