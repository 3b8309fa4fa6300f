#pragma once
// One SQLite connection with the project's settings: WAL, foreign keys, a busy timeout, and the
// numbered migrations. A connection is used by one thread at a time; open one per thread (WAL lets
// readers and one writer work side by side).
#include <SQLiteCpp/SQLiteCpp.h>

#include <string>
#include <vector>

namespace costbot::storage {

class Database {
 public:
  // Opens (creating if needed) the file. Does not migrate: call migrate() or use open_migrated().
  // A file shorter than its header says (truncated) is refused with Error(invalid_input) naming it.
  explicit Database(const std::string& path);

  SQLite::Database& sql() { return db_; }
  const std::string& path() const { return path_; }

  // SQLite opens a file it may not write read-only without a word (a read-only copy can still be
  // read, e.g. by `audit verify`); every write would then fail one by one. A service that must write
  // calls this at start: Error(invalid_input) naming the file.
  void require_writable();

  // Applies every embedded migration not yet applied, each in its own transaction, in order.
  // Returns the names applied.
  std::vector<std::string> migrate();
  // True when every embedded migration has been applied (readiness).
  bool is_current();
  int schema_version();

  // A write transaction that takes the write lock at BEGIN, so two writers queue on the busy
  // timeout instead of failing with SQLITE_BUSY half-way.
  SQLite::Transaction begin_write() { return SQLite::Transaction(db_, SQLite::TransactionBehavior::IMMEDIATE); }

 private:
  std::string path_;
  SQLite::Database db_;
};

Database open_migrated(const std::string& path);

}  // namespace costbot::storage
