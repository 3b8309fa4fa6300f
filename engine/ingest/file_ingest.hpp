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
#include "engine/util/time.hpp"

namespace costbot::ingest {

struct RunCounts {
  std::int64_t read = 0;
  std::int64_t accepted = 0;
  std::int64_t scopes_replaced = 0;
};

// Several inputs of one source type into ONE run (the parts of a remote delivery): one normalizer
// and one writer across them, so a later part never replaces the billing scopes an earlier part
// of the same run wrote.
class CostRunIngest {
 public:
  // `scope_kind`: the billing scopes' kind when it is not the reader type's name (an API source's
  // "api:NAME", see Delivery::scope_kind).
  CostRunIngest(storage::Database& db, const config::Config& config, SourceType type, std::int64_t run_id,
                const std::string& scope_kind = {});
  ~CostRunIngest();
  // Reads one input to its end; bad rows go to `quarantine`. Throws on an unreadable input.
  void add(const std::string& name, std::unique_ptr<ByteSource> source, Quarantine& quarantine);
  // Writes what is still held; returns the run's totals.
  RunCounts finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The run log (ingest_runs), inside the caller's transaction.
struct FileResult;
std::int64_t record_run_start(storage::Database& db, const FileResult& result, std::int64_t size, UnixSeconds started,
                              const char* status);
void record_run_finish(storage::Database& db, const FileResult& result, UnixSeconds finished);
// After a run that rolled back (nothing of it remains): records it as failed, in its own transaction,
// with rows_read / rows_rejected / seconds / error as the caller set them. A failure to record is
// logged (run_id 0), never thrown: the caller is already reporting the first error.
void record_failed_run(storage::Database& db, FileResult& result, std::int64_t size, UnixSeconds started,
                       UnixSeconds finished);

// A remote source through its adapter (remote_sync.cpp); a failed result when none handles it.
struct SourcesRunOptions;
struct RemoteLocation;
std::vector<FileResult> sync_configured_remote(storage::Database& db, const config::Config& config,
                                               const RemoteLocation& location, const Clock& clock,
                                               const SourcesRunOptions& run);

// Drops the rows of API scopes ("api:...", e.g. Cost Explorer) for every (provider, account,
// day) an export or file of the same provider covers: the export wins the days it has, the API
// fills only newer ones. Inside the caller's transaction, after a cost run was written. Returns
// the rows dropped.
std::int64_t yield_api_rows_to_exports(storage::Database& db);

// The two kinds of input, each within the caller's transaction.
RunCounts ingest_costs(storage::Database& db, const config::Config& config, SourceType type, const std::string& path,
                       std::unique_ptr<ByteSource> source, std::int64_t run_id, Quarantine& quarantine);
RunCounts ingest_usage_metrics(storage::Database& db, const std::string& path, std::unique_ptr<ByteSource> source,
                               Quarantine& quarantine);

}  // namespace costbot::ingest
