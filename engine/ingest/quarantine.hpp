#pragma once
// Collects the rows a run rejects: every one is counted, the first kQuarantinedRowsMax are stored
// in the quarantine table (file, line, reason, raw row) inside the run's transaction, and the first
// kReportedRejections are kept for the caller to print.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/ingest/ingest.hpp"
#include "engine/storage/database.hpp"

namespace costbot::ingest {

class Quarantine {
 public:
  Quarantine(storage::Database& db, std::int64_t run_id, std::string path, std::vector<Rejection>& report);
  void reject(std::int64_t line, const std::string& reason, std::string_view raw);
  std::int64_t count() const { return count_; }

 private:
  std::string path_;
  std::vector<Rejection>& report_;
  std::int64_t count_ = 0;
  std::unique_ptr<SQLite::Statement> insert_;
};

}  // namespace costbot::ingest
