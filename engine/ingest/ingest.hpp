#pragma once
// Ingestion: one file at a time, in ONE transaction per file, recorded in ingest_runs.
//
//   ingest_file            reads a file of one source type and replaces, in the store, everything
//                          earlier ingested for the billing scopes (source type, provider, billing
//                          account, billing period) it contains. Bad rows go to the quarantine with
//                          file:line and the reason; the rest lands. A file that cannot be read as
//                          that source type (empty, truncated, not CSV, required columns missing)
//                          changes nothing and is recorded as a failed run.
//   run_configured_sources what the scheduler calls: every file matched by ingest.sources, in order.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/config/config.hpp"
#include "engine/ingest/cost_record.hpp"
#include "engine/storage/database.hpp"
#include "engine/util/time.hpp"

namespace costbot::ingest {

enum class RunStatus { succeeded, failed, unchanged };
std::string_view name_of(RunStatus status);

struct Rejection {
  std::string path;
  std::int64_t line = 0;
  std::string reason;
  std::string to_string() const { return path + ":" + std::to_string(line) + ": " + reason; }
};

struct FileResult {
  std::string path;
  std::string source_name;  // the configured source, or "" for paths given directly
  SourceType type = SourceType::focus;
  RunStatus status = RunStatus::failed;
  std::int64_t run_id = 0;
  std::int64_t rows_read = 0;
  std::int64_t rows_accepted = 0;
  std::int64_t rows_rejected = 0;
  std::int64_t scopes_replaced = 0;   // billing scopes this run (re)wrote
  std::vector<Rejection> rejections;  // the first kReportedRejections; all are in the quarantine table
  std::string error;                  // why the file failed (status failed)
  std::string digest;                 // sha256 of the file's bytes
  double seconds = 0;
};

struct IngestOptions {
  std::string source_name;
  bool force = false;  // ingest even when the same file was ingested before and is still current
};

constexpr std::size_t kReportedRejections = 50;     // kept in FileResult
constexpr std::int64_t kQuarantinedRowsMax = 10000;  // stored per run; further rejects are counted

FileResult ingest_file(storage::Database& db, const config::Config& config, SourceType type,
                       const std::string& path, const Clock& clock, const IngestOptions& options = {});

class RemoteSourceRegistry;
struct SyncOptions;

struct SourcesRunOptions {
  const RemoteSourceRegistry* remote = nullptr;  // adapters for `location:` sources (bot wires them)
  const SyncOptions* sync = nullptr;             // backfill window, progress, force (remote sources)
  std::string only_source;                       // "" = every source, else just this one
  // The scheduler's runs: a cloud source with its own pace (every: / schedule:) is pulled only
  // when due; by hand (`costbot ingest`) every source runs.
  bool only_due = false;
};

// Expands every configured source's paths (globs; a directory means the files in it, recursively;
// ** matches across directories) and ingests each file, sources in config order, files sorted.
// A source whose patterns match nothing yields one failed result saying so. A source with a
// location (s3://BUCKET/PREFIX/...) is read through options.remote (sync_remote_location); without
// adapters it yields one failed result saying so.
std::vector<FileResult> run_configured_sources(storage::Database& db, const config::Config& config,
                                               const Clock& clock, const SourcesRunOptions& options = {});

// Sorted, de-duplicated regular files matched by the patterns.
std::vector<std::string> expand_paths(const std::vector<std::string>& patterns);

struct RunRecord {
  std::int64_t id = 0;
  std::string source_type, source_name, path, digest, status, error;
  UnixSeconds started_at = 0;
  std::int64_t duration_ms = 0, rows_read = 0, rows_accepted = 0, rows_rejected = 0;
};
std::vector<RunRecord> recent_runs(storage::Database& db, std::size_t limit);

}  // namespace costbot::ingest
