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
  State(storage::Database& db, const config::Config& config, SourceType t, std::int64_t run_id,
        const std::string& scope_kind)
      : type(t), normalizer(config), writer(db, run_id, t, config.ingest.batch_rows, scope_kind) {}
};

CostRunIngest::CostRunIngest(storage::Database& db, const config::Config& config, SourceType type, std::int64_t run_id,
                             const std::string& scope_kind)
    : state_(std::make_unique<State>(db, config, type, run_id, scope_kind)) {}
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

namespace costbot::ingest {

std::int64_t yield_api_rows_to_exports(storage::Database& db) {
  // Nothing to do (the common case) unless some API scope holds rows.
  SQLite::Statement any(db.sql(), "SELECT MIN(c.day) FROM cost_daily c JOIN billing_scopes s ON s.id = c.scope_id "
                                  "WHERE s.source_type LIKE 'api:%'");
  if (!any.executeStep() || any.getColumn(0).isNull()) return 0;
  const std::string first_api_day = any.getColumn(0).getString();
  // What the exports cover, from the first day an API scope has: one pass over those days. An
  // account is matched whatever way its source writes it: Azure's FOCUS export names a
  // subscription "/subscriptions/<id>" where the Query API and the cost details file give "<id>",
  // and the GUID's letter case is not the same everywhere.
  SQLite::Statement drop(db.sql(),
                         "DELETE FROM cost_daily WHERE scope_id IN (SELECT id FROM billing_scopes WHERE source_type LIKE 'api:%') "
                         "AND (provider, lower(CASE WHEN sub_account_id LIKE '/subscriptions/%' THEN substr(sub_account_id, 16) "
                         "ELSE sub_account_id END), day) IN (SELECT DISTINCT x.provider, lower(CASE WHEN x.sub_account_id LIKE "
                         "'/subscriptions/%' THEN substr(x.sub_account_id, 16) ELSE x.sub_account_id END), x.day "
                         "FROM cost_daily x WHERE x.day >= ? AND x.scope_id IN "
                         "(SELECT id FROM billing_scopes WHERE source_type NOT LIKE 'api:%'))");
  drop.bind(1, first_api_day);
  return drop.exec();
}

}  // namespace costbot::ingest
