#pragma once
// Collects the rows a run rejects: every one is counted, the first kQuarantinedRowsMax are stored
// in the quarantine table (file, line, reason, raw row) inside the run's transaction, and the first
// kReportedRejections are kept for the caller to print.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/ingest/byte_source.hpp"
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

struct RunCounts {
  std::int64_t read = 0;
  std::int64_t accepted = 0;
  std::int64_t scopes_replaced = 0;
};

// The two kinds of input, each within the caller's transaction.
RunCounts ingest_costs(storage::Database& db, const config::Config& config, SourceType type, const std::string& path,
                       std::unique_ptr<ByteSource> source, std::int64_t run_id, Quarantine& quarantine);
RunCounts ingest_usage_metrics(storage::Database& db, const std::string& path, std::unique_ptr<ByteSource> source,
                               Quarantine& quarantine);

}  // namespace costbot::ingest
