#include "engine/ingest/quarantine.hpp"

#include "engine/ingest/cost_writer.hpp"
#include "engine/ingest/normalizer.hpp"
#include "engine/ingest/record_reader.hpp"

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

RunCounts ingest_costs(storage::Database& db, const config::Config& config, SourceType type, const std::string& path,
                       std::unique_ptr<ByteSource> source, std::int64_t run_id, Quarantine& quarantine) {
  auto reader = open_cost_reader(type, std::move(source), path);
  Normalizer normalizer(config);
  CostWriter writer(db, run_id, type, config.ingest.batch_rows);
  RunCounts counts;
  Normalized normalized;
  std::string error;
  while (reader->next()) {
    ++counts.read;
    if (!reader->error().empty()) {
      quarantine.reject(reader->line(), reader->error(), reader->raw());
      continue;
    }
    CostRecord record = reader->record();
    if (!normalizer.apply(record, normalized, error)) {
      quarantine.reject(reader->line(), error, reader->raw());
      error.clear();
      continue;
    }
    writer.add(record, normalized);
    ++counts.accepted;
  }
  writer.flush();
  counts.scopes_replaced = writer.scopes_replaced();
  return counts;
}

}  // namespace costbot::ingest
