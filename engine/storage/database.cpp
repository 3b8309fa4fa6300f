#include "engine/storage/database.hpp"

#include <set>
#include <spdlog/spdlog.h>

#include "engine/storage/migrations.hpp"
#include "engine/util/error.hpp"
#include "engine/util/time.hpp"

namespace costbot::storage {
namespace {

SQLite::Database open_file(const std::string& path) {
  try {
    return SQLite::Database(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_FULLMUTEX);
  } catch (const SQLite::Exception& e) {
    throw Error(ErrorKind::invalid_input, "cannot open database " + path + ": " + e.what());
  }
}

}  // namespace

Database::Database(const std::string& path) : path_(path), db_(open_file(path)) {
  try {
    db_.setBusyTimeout(10000);
    db_.exec("PRAGMA journal_mode=WAL");
    db_.exec("PRAGMA synchronous=NORMAL");
    db_.exec("PRAGMA foreign_keys=ON");
    db_.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
  } catch (const SQLite::Exception& e) {
    throw Error(ErrorKind::invalid_input, "cannot use database " + path + ": " + e.what());
  }
}

std::vector<std::string> Database::migrate() {
  std::set<int> applied;
  {
    SQLite::Statement q(db_, "SELECT version FROM schema_migrations");
    while (q.executeStep()) applied.insert(q.getColumn(0).getInt());
  }
  std::vector<std::string> done;
  for (const auto& m : embedded_migrations()) {
    if (applied.count(m.version)) continue;
    auto tx = begin_write();
    try {
      db_.exec(m.sql);
    } catch (const SQLite::Exception& e) {
      throw Error(ErrorKind::internal, std::string("migration ") + m.name + " failed: " + e.what());
    }
    SQLite::Statement ins(db_, "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)");
    ins.bind(1, m.version);
    ins.bind(2, m.name);
    ins.bind(3, static_cast<int64_t>(default_clock().now()));
    ins.exec();
    tx.commit();
    spdlog::debug("applied migration {}", m.name);
    done.emplace_back(m.name);
  }
  return done;
}

bool Database::is_current() {
  std::set<int> applied;
  SQLite::Statement q(db_, "SELECT version FROM schema_migrations");
  while (q.executeStep()) applied.insert(q.getColumn(0).getInt());
  for (const auto& m : embedded_migrations())
    if (!applied.count(m.version)) return false;
  return true;
}

int Database::schema_version() {
  return db_.execAndGet("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").getInt();
}

Database open_migrated(const std::string& path) {
  Database db(path);
  db.migrate();
  return db;
}

}  // namespace costbot::storage
