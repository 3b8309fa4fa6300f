#include "engine/ingest/quarantine.hpp"


namespace costbot::ingest {
namespace {
constexpr std::size_t kRawBytesMax = 8192;
}

Quarantine::Quarantine(storage::Database& db, std::int64_t run_id, std::string path, std::vector<Rejection>& report)
    : path_(std::move(path)), report_(report) {
  insert_ = std::make_unique<SQLite::Statement>(
      db.sql(), "INSERT INTO quarantine(run_id, path, line, reason, raw) VALUES (?, ?, ?, ?, ?)");
  insert_->bind(1, static_cast<int64_t>(run_id));
  insert_->bind(2, path_);
}

void Quarantine::reject(std::int64_t line, const std::string& reason, std::string_view raw) {
  ++count_;
  if (report_.size() < kReportedRejections) report_.push_back({path_, line, reason});
  if (count_ > kQuarantinedRowsMax) return;
  auto& q = *insert_;
  q.bind(3, static_cast<int64_t>(line));
  q.bind(4, reason);
  q.bind(5, std::string(raw.substr(0, kRawBytesMax)));
  q.exec();
  q.reset();
}

}  // namespace costbot::ingest
