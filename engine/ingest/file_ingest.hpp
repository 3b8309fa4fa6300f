#pragma once
// The two kinds of input a run reads, each inside the caller's transaction: billing data (into the
// daily cost store) and usage metrics. ingest.cpp wraps them in a recorded run.
#include <memory>
#include <string>

#include "engine/config/config.hpp"
#include "engine/ingest/byte_source.hpp"
#include "engine/ingest/cost_record.hpp"
#include "engine/ingest/quarantine.hpp"
#include "engine/storage/database.hpp"

namespace costbot::ingest {

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
