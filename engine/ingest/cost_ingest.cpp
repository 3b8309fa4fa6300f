// Billing files: reader → normalizer → daily cost writer, row by row; bad rows to the quarantine.
#include "engine/ingest/cost_writer.hpp"
#include "engine/ingest/file_ingest.hpp"
#include "engine/ingest/normalizer.hpp"
#include "engine/ingest/record_reader.hpp"

namespace costbot::ingest {

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
