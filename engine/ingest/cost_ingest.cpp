// Billing files: reader → normalizer → daily cost writer, row by row; bad rows to the quarantine.
#include "engine/ingest/cost_writer.hpp"
#include "engine/ingest/file_ingest.hpp"
#include "engine/ingest/normalizer.hpp"
#include "engine/ingest/record_reader.hpp"

namespace costbot::ingest {

struct CostRunIngest::State {
  SourceType type;
  Normalizer normalizer;
  CostWriter writer;
  RunCounts counts;
  Normalized normalized;
  std::string error;
  State(storage::Database& db, const config::Config& config, SourceType t, std::int64_t run_id)
      : type(t), normalizer(config), writer(db, run_id, t, config.ingest.batch_rows) {}
};

CostRunIngest::CostRunIngest(storage::Database& db, const config::Config& config, SourceType type, std::int64_t run_id)
    : state_(std::make_unique<State>(db, config, type, run_id)) {}
CostRunIngest::~CostRunIngest() = default;

void CostRunIngest::add(const std::string& name, std::unique_ptr<ByteSource> source, Quarantine& quarantine) {
  auto& s = *state_;
  auto reader = open_cost_reader(s.type, std::move(source), name);
  while (reader->next()) {
    ++s.counts.read;
    if (!reader->error().empty()) {
      quarantine.reject(reader->line(), reader->error(), reader->raw());
      continue;
    }
    CostRecord record = reader->record();
    if (!s.normalizer.apply(record, s.normalized, s.error)) {
      quarantine.reject(reader->line(), s.error, reader->raw());
      s.error.clear();
      continue;
    }
    s.writer.add(record, s.normalized);
    ++s.counts.accepted;
  }
}

RunCounts CostRunIngest::finish() {
  state_->writer.flush();
  state_->counts.scopes_replaced = state_->writer.scopes_replaced();
  return state_->counts;
}

RunCounts ingest_costs(storage::Database& db, const config::Config& config, SourceType type, const std::string& path,
                       std::unique_ptr<ByteSource> source, std::int64_t run_id, Quarantine& quarantine) {
  CostRunIngest run(db, config, type, run_id);
  run.add(path, std::move(source), quarantine);
  return run.finish();
}

}  // namespace costbot::ingest
