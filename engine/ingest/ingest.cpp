#include "engine/ingest/ingest.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <algorithm>
#include <filesystem>
#include <future>

#include "engine/ingest/byte_source.hpp"
#include "engine/ingest/file_ingest.hpp"
#include "engine/ingest/remote_source.hpp"
#include "engine/util/error.hpp"
#include "engine/util/strings.hpp"

namespace costbot::ingest {
namespace fs = std::filesystem;
namespace {

// Thrown when every data row was rejected: the file is recorded as failed but the reasons are kept.
struct AllRejected : Error {
  using Error::Error;
};

bool same_size_ingested_before(storage::Database& db, SourceType type, std::int64_t size) {
  SQLite::Statement q(db.sql(),
                      "SELECT 1 FROM ingest_runs WHERE source_type = ? AND file_size = ? AND status = 'succeeded' LIMIT 1");
  q.bind(1, std::string(name_of(type)));
  q.bind(2, static_cast<int64_t>(size));
  return q.executeStep();
}

// The run that ingested these exact bytes, if its data is still the current data: every scope it
// wrote is still owned by it (no later file replaced one), or for usage metrics, no later usage run.
std::int64_t current_run_with_digest(storage::Database& db, SourceType type, const std::string& digest) {
  SQLite::Statement q(db.sql(),
                      "SELECT id FROM ingest_runs WHERE source_type = ? AND file_digest = ? AND status = 'succeeded' "
                      "ORDER BY id DESC LIMIT 1");
  q.bind(1, std::string(name_of(type)));
  q.bind(2, digest);
  if (!q.executeStep()) return 0;
  std::int64_t run = q.getColumn(0).getInt64();
  if (type == SourceType::usage) {
    SQLite::Statement later(db.sql(), "SELECT COUNT(*) FROM ingest_runs WHERE source_type = 'usage' AND "
                                      "status = 'succeeded' AND id > ?");
    later.bind(1, static_cast<int64_t>(run));
    later.executeStep();
    return later.getColumn(0).getInt64() == 0 ? run : 0;
  }
  SQLite::Statement owned(db.sql(),
                          "SELECT COUNT(*), COALESCE(SUM(s.run_id = r.run_id), 0) FROM ingest_run_scopes r "
                          "JOIN billing_scopes s ON s.id = r.scope_id WHERE r.run_id = ?");
  owned.bind(1, static_cast<int64_t>(run));
  owned.executeStep();
  auto total = owned.getColumn(0).getInt64();
  return total > 0 && total == owned.getColumn(1).getInt64() ? run : 0;
}

}  // namespace

std::int64_t record_run_start(storage::Database& db, const FileResult& r, std::int64_t size, UnixSeconds started,
                              const char* status) {
  SQLite::Statement q(db.sql(),
                      "INSERT INTO ingest_runs(source_type, source_name, path, file_digest, file_size, started_at, status) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?)");
  q.bind(1, std::string(name_of(r.type)));
  q.bind(2, r.source_name);
  q.bind(3, r.path);
  q.bind(4, r.digest);
  q.bind(5, static_cast<int64_t>(size));
  q.bind(6, static_cast<int64_t>(started));
  q.bind(7, status);
  q.exec();
  return db.sql().getLastInsertRowid();
}

void record_run_finish(storage::Database& db, const FileResult& r, UnixSeconds finished) {
  SQLite::Statement q(db.sql(),
                      "UPDATE ingest_runs SET status = ?, file_digest = ?, finished_at = ?, duration_ms = ?, rows_read = ?, "
                      "rows_accepted = ?, rows_rejected = ?, error = ? WHERE id = ?");
  q.bind(1, std::string(name_of(r.status)));
  q.bind(2, r.digest);
  q.bind(3, static_cast<int64_t>(finished));
  q.bind(4, static_cast<int64_t>(r.seconds * 1000));
  q.bind(5, static_cast<int64_t>(r.rows_read));
  q.bind(6, static_cast<int64_t>(r.rows_accepted));
  q.bind(7, static_cast<int64_t>(r.rows_rejected));
  q.bind(8, r.error);
  q.bind(9, static_cast<int64_t>(r.run_id));
  q.exec();
}

void record_failed_run(storage::Database& db, FileResult& result, std::int64_t size, UnixSeconds started,
                       UnixSeconds finished) {
  result.status = RunStatus::failed;
  result.rows_accepted = 0;
  try {
    auto tx = db.begin_write();
    result.run_id = record_run_start(db, result, size, started, "failed");
    record_run_finish(db, result, finished);
    tx.commit();
  } catch (const std::exception& e) {
    spdlog::error("cannot record the failed ingest run of {}: {}", result.path, e.what());
    result.run_id = 0;
  }
}

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

bool has_wildcard(const std::string& s) { return s.find_first_of("*?") != std::string::npos; }

// Path glob: '*' and '?' stay within one path segment, '**/' spans any number of directories.
bool path_glob_match(std::string_view p, std::string_view t) {
  while (!p.empty()) {
    if (p.starts_with("**")) {
      std::string_view rest = p.substr(2);
      if (rest.empty()) return true;
      if (rest.front() == '/') rest.remove_prefix(1);
      for (std::size_t i = 0;; ++i) {
        if ((i == 0 || t[i - 1] == '/') && path_glob_match(rest, t.substr(i))) return true;
        if (i == t.size()) return false;
      }
    }
    if (p.front() == '*') {
      for (std::size_t i = 0;; ++i) {
        if (path_glob_match(p.substr(1), t.substr(i))) return true;
        if (i == t.size() || t[i] == '/') return false;
      }
    }
    if (t.empty() || (p.front() == '?' ? t.front() == '/' : p.front() != t.front())) return false;
    p.remove_prefix(1);
    t.remove_prefix(1);
  }
  return t.empty();
}

void add_files_under(const fs::path& dir, std::vector<std::string>& out) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    if (it->is_regular_file(ec)) out.push_back(it->path().string());
}

}  // namespace

std::string_view name_of(RunStatus status) {
  switch (status) {
    case RunStatus::succeeded: return "succeeded";
    case RunStatus::failed: return "failed";
    case RunStatus::unchanged: return "unchanged";
  }
  return "failed";
}

FileResult ingest_file(storage::Database& db, const config::Config& config, SourceType type, const std::string& path,
                       const Clock& clock, const IngestOptions& options) {
  FileResult result;
  result.path = path;
  result.type = type;
  result.source_name = options.source_name;
  const auto start = std::chrono::steady_clock::now();
  const UnixSeconds started = clock.now();
  std::int64_t size = 0;
  RunCounts counts;
  std::int64_t rejected = 0;

  try {
    std::error_code ec;
    auto status = fs::status(path, ec);
    if (ec || !fs::exists(status)) throw invalid_input("cannot read " + path + ": no such file");
    if (!fs::is_regular_file(status)) throw invalid_input("cannot read " + path + ": not a regular file");
    size = static_cast<std::int64_t>(fs::file_size(path, ec));

    // Hash up front only when a file of this size was ingested before (it may be unchanged);
    // otherwise the digest is computed beside the parse, not before it.
    if (!options.force && same_size_ingested_before(db, type, size)) {
      result.digest = sha256_file(path);
      if (std::int64_t previous = current_run_with_digest(db, type, result.digest)) {
        result.status = RunStatus::unchanged;
        result.error = "unchanged since run " + std::to_string(previous) + " (same sha256); use --force to ingest again";
        result.seconds = seconds_since(start);
        auto tx = db.begin_write();
        result.run_id = record_run_start(db, result, size, started, "unchanged");
        record_run_finish(db, result, clock.now());
        tx.commit();
        return result;
      }
    }

    // The digest is computed beside the parse, on another thread reading the same (cached) file;
    // the guard stops it early when the run fails.
    std::atomic<bool> stop_hashing{false};
    std::future<std::string> digest;
    if (result.digest.empty())
      digest = std::async(std::launch::async, [&path, &stop_hashing] { return sha256_file(path, &stop_hashing); });
    struct StopGuard {
      std::atomic<bool>& flag;
      ~StopGuard() { flag = true; }
    } stop_guard{stop_hashing};

    auto tx = db.begin_write();
    result.run_id = record_run_start(db, result, size, started, "running");
    auto source = open_file(path);
    Quarantine quarantine(db, result.run_id, path, result.rejections);
    counts = type == SourceType::usage
                 ? ingest_usage_metrics(db, path, std::move(source), quarantine)
                 : ingest_costs(db, config, type, path, std::move(source), result.run_id, quarantine);
    rejected = quarantine.count();
    // Billing data from a file wins over API estimates (Cost Explorer) for the days it covers.
    if (type != SourceType::usage) yield_api_rows_to_exports(db);
    if (digest.valid()) result.digest = digest.get();
    if (counts.read == 0) throw invalid_input(path + " has a header but no data rows");
    if (counts.accepted == 0)
      throw AllRejected(ErrorKind::invalid_input, "no row of " + path + " could be ingested: all " +
                                                      std::to_string(rejected) + " rows rejected (first: " +
                                                      result.rejections.front().to_string() + ")");
    result.status = RunStatus::succeeded;
    result.rows_read = counts.read;
    result.rows_accepted = counts.accepted;
    result.rows_rejected = rejected;
    result.scopes_replaced = counts.scopes_replaced;
    result.seconds = seconds_since(start);
    record_run_finish(db, result, clock.now());
    tx.commit();
    spdlog::debug("ingested {} ({}): {} rows, {} rejected, {:.2f} s", path, name_of(type), counts.read, rejected,
                  result.seconds);
    return result;
  } catch (const AllRejected& e) {
    result.error = e.what();
  } catch (const Error& e) {
    result.error = e.what();
    result.rejections.clear();  // rolled back with the run: nothing was quarantined
  } catch (const SQLite::Exception& e) {
    result.error = std::string("database error while ingesting ") + path + ": " + e.what();
    result.rejections.clear();
  }

  // The transaction has rolled back (nothing of the run remains); record the failure on its own.
  result.rows_read = counts.read;
  result.rows_rejected = rejected;
  result.seconds = seconds_since(start);
  record_failed_run(db, result, size, started, clock.now());
  spdlog::debug("ingest of {} failed: {}", path, result.error);
  return result;
}

std::vector<std::string> expand_paths(const std::vector<std::string>& patterns) {
  std::vector<std::string> out;
  for (const auto& pattern : patterns) {
    if (!has_wildcard(pattern)) {
      std::error_code ec;
      if (fs::is_directory(pattern, ec)) add_files_under(pattern, out);
      else if (fs::is_regular_file(pattern, ec)) out.push_back(pattern);
      continue;
    }
    // Walk from the deepest directory without wildcards and match whole paths; '*' does not cross
    // '/', '**' does.
    fs::path base;
    for (const auto& part : fs::path(pattern)) {
      if (has_wildcard(part.string())) break;
      base /= part;
    }
    if (base.empty()) base = ".";
    std::vector<std::string> candidates;
    add_files_under(base, candidates);
    for (auto& c : candidates) {
      std::string candidate = fs::path(c).lexically_normal().string();
      std::string normalized = fs::path(pattern).lexically_normal().string();
      if (base == "." && !pattern.starts_with("./") && candidate.starts_with("./")) candidate.erase(0, 2);
      if (path_glob_match(normalized, candidate)) out.push_back(c);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<FileResult> run_configured_sources(storage::Database& db, const config::Config& config, const Clock& clock,
                                               const SourcesRunOptions& run) {
  std::vector<FileResult> results;
  const auto remote_locations = configured_remote_locations(config);
  for (const auto& source : config.ingest.sources) {
    if (!run.only_source.empty() && source.name != run.only_source) continue;
    auto type = parse_source_type(source.type);
    if (!source.location.empty()) {
      auto it = std::find_if(remote_locations.begin(), remote_locations.end(),
                             [&](const RemoteLocation& l) { return l.source_name == source.name; });
      if (it == remote_locations.end()) continue;
      if (run.only_due) {
        if (auto due = remote_source_due_at(db, *it); due > clock.now()) {
          spdlog::debug("source {}: not due before {}", source.name, format_instant(due));
          continue;
        }
      }
      auto more = sync_configured_remote(db, config, *it, clock, run);
      results.insert(results.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
      continue;
    }
    const auto& local_paths = source.paths;
    auto files = expand_paths(local_paths);
    if (!type || files.empty()) {
      FileResult none;
      none.source_name = source.name;
      none.path = source.paths.empty() ? "" : source.paths.front();
      none.type = type.value_or(SourceType::focus);
      none.error = !type ? "source " + source.name + ": unknown type \"" + source.type + "\" (valid: " + valid_source_types() + ")"
                         : "source " + source.name + ": no file matches " + text::join(source.paths, ", ");
      results.push_back(std::move(none));
      continue;
    }
    IngestOptions options;
    options.source_name = source.name;
    for (const auto& file : files) results.push_back(ingest_file(db, config, *type, file, clock, options));
  }
  return results;
}

std::vector<RunRecord> recent_runs(storage::Database& db, std::size_t limit) {
  SQLite::Statement q(db.sql(),
                      "SELECT id, source_type, source_name, path, file_digest, status, error, started_at, "
                      "COALESCE(duration_ms, 0), rows_read, rows_accepted, rows_rejected FROM ingest_runs "
                      "ORDER BY id DESC LIMIT ?");
  q.bind(1, static_cast<int64_t>(limit));
  std::vector<RunRecord> out;
  while (q.executeStep()) {
    RunRecord r;
    r.id = q.getColumn(0).getInt64();
    r.source_type = q.getColumn(1).getString();
    r.source_name = q.getColumn(2).getString();
    r.path = q.getColumn(3).getString();
    r.digest = q.getColumn(4).getString();
    r.status = q.getColumn(5).getString();
    r.error = q.getColumn(6).getString();
    r.started_at = q.getColumn(7).getInt64();
    r.duration_ms = q.getColumn(8).getInt64();
    r.rows_read = q.getColumn(9).getInt64();
    r.rows_accepted = q.getColumn(10).getInt64();
    r.rows_rejected = q.getColumn(11).getInt64();
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace costbot::ingest
