#include "engine/storage/database.hpp"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include "engine/storage/migrations.hpp"
#include "engine/util/error.hpp"
#include "engine/util/time.hpp"

namespace costbot::storage {
namespace {

std::uint64_t big_endian(const unsigned char* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | p[i];
  return v;
}

// A database file shorter than its own header says (cut by a full disk, a partial copy or a
// truncate) is refused at open with its name, instead of failing query by query later. The header's
// page count is only trusted when valid (its change counter matches) and no write-ahead log holds
// newer pages (SQLite reads those from the -wal file).
void refuse_truncated_file(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec || size == 0) return;  // new file: SQLite creates it
  const auto wal = std::filesystem::file_size(path + "-wal", ec);
  if (!ec && wal > 0) return;
  unsigned char header[100];
  std::ifstream in(path, std::ios::binary);
  if (!in.read(reinterpret_cast<char*>(header), sizeof header) ||
      std::memcmp(header, "SQLite format 3", 16) != 0)
    throw Error(ErrorKind::invalid_input, "cannot use database " + path + ": not a SQLite database (" +
                                              std::to_string(size) + " bytes, no SQLite header)");
  std::uint64_t page_size = big_endian(header + 16, 2);
  if (page_size == 1) page_size = 65536;
  const auto pages = big_endian(header + 28, 4);
  const bool valid = pages > 0 && big_endian(header + 24, 4) == big_endian(header + 92, 4);
  if (valid && pages * page_size > size)
    throw Error(ErrorKind::invalid_input, "cannot use database " + path + ": the file is truncated (" +
                                              std::to_string(size) + " bytes; its header says " + std::to_string(pages) +
                                              " pages of " + std::to_string(page_size) + " bytes); restore it from a backup");
}

SQLite::Database open_file(const std::string& path) {
  refuse_truncated_file(path);
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
    // No memory-mapped reads: a file truncated or lost underneath a mapping is SIGBUS (a crash with
    // no log line); read() gives SQLite an error it reports. (Debian's default is 0; say it.)
    db_.exec("PRAGMA mmap_size=0");
    db_.exec("PRAGMA journal_mode=WAL");
    db_.exec("PRAGMA synchronous=NORMAL");
    db_.exec("PRAGMA foreign_keys=ON");
    db_.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
  } catch (const SQLite::Exception& e) {
    const bool read_only = sqlite3_db_readonly(db_.getHandle(), "main") == 1;
    throw Error(ErrorKind::invalid_input, "cannot use database " + path +
                                              (read_only ? ": it is read-only (file permissions or a read-only filesystem)" : "") +
                                              ": " + e.what());
  }
}

void Database::require_writable() {
  if (sqlite3_db_readonly(db_.getHandle(), "main") == 1)
    throw Error(ErrorKind::invalid_input, "cannot use database " + path_ +
                                              ": it is read-only (file permissions or a read-only filesystem); "
                                              "costbot needs to write it");
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
