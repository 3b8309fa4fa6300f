// Remote sources: watermarks per (source, period), one transaction per delivery, resumable parts.
// See remote_source.hpp for the guarantees.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <chrono>

#include "engine/ingest/file_ingest.hpp"
#include "engine/ingest/quarantine.hpp"
#include "engine/ingest/remote_source.hpp"
#include "engine/util/cron.hpp"
#include "engine/util/percent.hpp"
#include "engine/util/strings.hpp"

namespace costbot::ingest {
namespace {

// 1800 → "30m", 7200 → "2h", 90 → "90s".
std::string format_duration_words(std::int64_t seconds) {
  if (seconds % 86400 == 0) return std::to_string(seconds / 86400) + "d";
  if (seconds % 3600 == 0) return std::to_string(seconds / 3600) + "h";
  if (seconds % 60 == 0) return std::to_string(seconds / 60) + "m";
  return std::to_string(seconds) + "s";
}

constexpr std::uint64_t kProgressStepBytes = 4u << 20;

// A part's stream that survives transient breaks by reopening at the byte it reached, and reports
// progress as it goes.
class ResumingPartSource final : public ByteSource {
 public:
  ResumingPartSource(RemoteSource& remote, RemoteObject part, int max_resumes, std::function<void(std::uint64_t)> on_bytes,
                     std::uint64_t& bytes_read_out)
      : remote_(remote), part_(std::move(part)), max_resumes_(max_resumes), on_bytes_(std::move(on_bytes)),
        bytes_read_out_(bytes_read_out) {
    inner_ = remote_.open(part_, 0);
  }

  std::size_t read(char* into, std::size_t capacity) override {
    for (;;) {
      try {
        std::size_t n = inner_->read(into, capacity);
        offset_ += n;
        bytes_read_out_ = offset_;
        if (on_bytes_ && (n == 0 || offset_ - reported_ >= kProgressStepBytes)) {
          reported_ = offset_;
          on_bytes_(offset_);
        }
        return n;
      } catch (const RemoteSourceError& e) {
        if (!e.transient() || resumes_ >= max_resumes_) throw;
        ++resumes_;
        spdlog::warn("{}: the stream broke at byte {} ({}); resuming there (attempt {} of {})", part_.key, offset_,
                     e.what(), resumes_, max_resumes_);
        inner_ = remote_.open(part_, offset_);
      }
    }
  }
  std::uint64_t raw_bytes_read() const override { return offset_; }

 private:
  RemoteSource& remote_;
  RemoteObject part_;
  int max_resumes_;
  std::function<void(std::uint64_t)> on_bytes_;
  std::uint64_t& bytes_read_out_;
  std::unique_ptr<ByteSource> inner_;
  std::uint64_t offset_ = 0;
  std::uint64_t reported_ = 0;
  int resumes_ = 0;
};

std::optional<std::pair<std::string, std::int64_t>> stored_period(storage::Database& db, const std::string& source,
                                                                  const std::string& period) {
  SQLite::Statement q(db.sql(), "SELECT version, run_id FROM remote_periods WHERE source_name = ? AND period = ?");
  q.bind(1, source);
  q.bind(2, period);
  if (!q.executeStep()) return std::nullopt;
  return std::make_pair(q.getColumn(0).getString(), q.getColumn(1).getInt64());
}

// Every period's stored version for a source.
std::map<std::string, std::string> stored_versions(storage::Database& db, const std::string& source) {
  SQLite::Statement q(db.sql(), "SELECT period, version FROM remote_periods WHERE source_name = ?");
  q.bind(1, source);
  std::map<std::string, std::string> out;
  while (q.executeStep()) out[q.getColumn(0).getString()] = q.getColumn(1).getString();
  return out;
}

// Drops what the source's previous run of this period wrote (a restatement replaces it whole,
// even the accounts or services the new version no longer has).
void drop_previous_period_data(storage::Database& db, std::int64_t previous_run) {
  // Only scopes that run still owns: one a later run (another source) replaced is not ours to drop.
  SQLite::Statement rows(db.sql(), "DELETE FROM cost_daily WHERE scope_id IN (SELECT s.id FROM billing_scopes s JOIN "
                                   "ingest_run_scopes r ON r.scope_id = s.id WHERE r.run_id = ?1 AND s.run_id = ?1)");
  rows.bind(1, static_cast<int64_t>(previous_run));
  rows.exec();
  SQLite::Statement scopes(db.sql(), "DELETE FROM billing_scopes WHERE run_id = ? AND id IN "
                                     "(SELECT scope_id FROM ingest_run_scopes WHERE run_id = ?)");
  scopes.bind(1, static_cast<int64_t>(previous_run));
  scopes.bind(2, static_cast<int64_t>(previous_run));
  scopes.exec();
  SQLite::Statement estimates(db.sql(), "DELETE FROM cost_estimated_days WHERE run_id = ?");
  estimates.bind(1, static_cast<int64_t>(previous_run));
  estimates.exec();
}

void store_estimated_days(storage::Database& db, std::int64_t run_id, const std::vector<std::string>& days) {
  SQLite::Statement q(db.sql(), "INSERT OR IGNORE INTO cost_estimated_days(run_id, day) VALUES (?, ?)");
  for (const auto& day : days) {
    q.bind(1, static_cast<int64_t>(run_id));
    q.bind(2, day);
    q.exec();
    q.reset();
  }
}

std::int64_t api_calls_on(storage::Database& db, const std::string& source, const std::string& day) {
  SQLite::Statement q(db.sql(), "SELECT calls FROM remote_api_calls WHERE source_name = ? AND day = ?");
  q.bind(1, source);
  q.bind(2, day);
  return q.executeStep() ? q.getColumn(0).getInt64() : 0;
}

void add_api_calls(storage::Database& db, const std::string& source, const std::string& day, std::int64_t calls) {
  auto tx = db.begin_write();
  SQLite::Statement q(db.sql(), "INSERT INTO remote_api_calls(source_name, day, calls) VALUES (?, ?, ?) "
                                "ON CONFLICT(source_name, day) DO UPDATE SET calls = calls + excluded.calls");
  q.bind(1, source);
  q.bind(2, day);
  q.bind(3, static_cast<int64_t>(calls));
  q.exec();
  tx.commit();
}

void store_watermark(storage::Database& db, const std::string& source, const Delivery& d, std::int64_t run_id,
                     UnixSeconds now) {
  SQLite::Statement q(db.sql(), "INSERT INTO remote_periods(source_name, period, version, run_id, ingested_at) "
                                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(source_name, period) DO UPDATE SET "
                                "version = excluded.version, run_id = excluded.run_id, ingested_at = excluded.ingested_at");
  q.bind(1, source);
  q.bind(2, d.period);
  q.bind(3, d.version);
  q.bind(4, static_cast<int64_t>(run_id));
  q.bind(5, static_cast<int64_t>(now));
  q.exec();
}

// Sources are keyed by name and base URL (a configured source may list several locations).
std::string status_key(const RemoteLocation& l) { return (l.source_name.empty() ? "" : l.source_name + " ") + l.base; }

void record_source_run(storage::Database& db, const RemoteLocation& source, UnixSeconds at,
                       const std::string& status, const std::string& error) {
  auto tx = db.begin_write();
  SQLite::Statement q(db.sql(), "INSERT INTO remote_sources(name, location, last_run_at, last_status, last_error) "
                                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET location = excluded.location, "
                                "last_run_at = excluded.last_run_at, last_status = excluded.last_status, "
                                "last_error = excluded.last_error");
  q.bind(1, status_key(source));
  q.bind(2, source.base);
  q.bind(3, static_cast<int64_t>(at));
  q.bind(4, status);
  q.bind(5, error);
  q.exec();
  tx.commit();
}

std::string delivery_label(const RemoteSource& remote, const Delivery& d) {
  return d.manifest.empty() ? remote.location() + " (billing period " + d.period + ")" : d.manifest;
}

FileResult ingest_delivery(storage::Database& db, const config::Config& config, const RemoteLocation& source,
                           RemoteSource& remote, const Delivery& d, const Clock& clock, const SyncOptions& options,
                           SyncProgress progress) {
  FileResult result;
  result.path = delivery_label(remote, d);
  result.source_name = source.source_name;
  result.type = d.type;
  result.digest = d.version;
  const auto start = std::chrono::steady_clock::now();
  const UnixSeconds started = clock.now();
  std::int64_t size = 0;
  for (const auto& p : d.parts) size += std::max<std::int64_t>(0, p.size);
  progress.bytes_total = static_cast<std::uint64_t>(size);
  std::int64_t rejected = 0;
  RunCounts counts;
  auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  try {
    if (d.parts.empty()) throw invalid_input(result.path + ": the delivery lists no data files");
    auto tx = db.begin_write();
    result.run_id = record_run_start(db, result, size, started, "running");
    if (auto previous = stored_period(db, status_key(source), d.period)) drop_previous_period_data(db, previous->second);
    CostRunIngest run(db, config, d.type, result.run_id, d.scope_kind);
    std::uint64_t done_before = 0;
    for (const auto& part : d.parts) {
      auto on_bytes = [&](std::uint64_t bytes) {
        if (!options.on_progress) return;
        progress.bytes_read = done_before + bytes;
        options.on_progress(progress);
      };
      // The reader owns (and frees) the stream, so the part's byte count is kept out here.
      std::uint64_t part_bytes = 0;
      auto raw = std::make_unique<ResumingPartSource>(remote, part, options.max_resumes, on_bytes, part_bytes);
      Quarantine quarantine(db, result.run_id, part.key, result.rejections);
      run.add(part.key, gunzip_if_compressed(std::move(raw), part.key), quarantine);
      rejected += quarantine.count();
      done_before += part_bytes;
    }
    counts = run.finish();
    if (counts.read == 0 && d.scope_kind.empty())
      throw invalid_input(result.path + ": no data rows in any of its " + std::to_string(d.parts.size()) + " file(s)");
    store_estimated_days(db, result.run_id, d.estimated_days);
    // One account read from an export and an API is counted once: the export wins its days.
    if (auto yielded = yield_api_rows_to_exports(db); yielded > 0)
      spdlog::info("{}: {} daily row(s) of API estimates replaced by export data for the same account and day",
                   result.path, yielded);
    store_watermark(db, status_key(source), d, result.run_id, clock.now());
    result.status = RunStatus::succeeded;
    result.rows_read = counts.read;
    result.rows_accepted = counts.accepted;
    result.rows_rejected = rejected;
    result.scopes_replaced = counts.scopes_replaced;
    result.seconds = seconds();
    record_run_finish(db, result, clock.now());
    tx.commit();
  } catch (const Error& e) {
    result.error = e.what();
    result.rejections.clear();
  } catch (const SQLite::Exception& e) {
    result.error = "database error while ingesting " + result.path + ": " + e.what();
    result.rejections.clear();
  }
  if (result.status != RunStatus::succeeded) {
    result.rows_read = counts.read;
    result.seconds = seconds();
    record_failed_run(db, result, size, started, clock.now());
  }
  if (options.on_progress) {
    progress.finished = true;
    options.on_progress(progress);
  }
  return result;
}

}  // namespace

std::vector<CheckStep> RemoteSource::check() {
  std::vector<CheckStep> steps;
  std::vector<Delivery> deliveries;
  try {
    deliveries = list();
    std::size_t parts = 0;
    for (const auto& d : deliveries) parts += d.parts.size();
    steps.push_back({"list " + location(), true,
                     std::to_string(deliveries.size()) + " billing period(s), " + std::to_string(parts) + " data file(s)"});
  } catch (const Error& e) {
    steps.push_back({"list " + location(), false, e.what()});
    return steps;
  }
  if (deliveries.empty()) return steps;
  const auto& newest = *std::max_element(deliveries.begin(), deliveries.end(),
                                         [](const Delivery& a, const Delivery& b) { return a.period < b.period; });
  if (newest.parts.empty()) return steps;
  const auto& part = newest.parts.front();
  try {
    auto stream = gunzip_if_compressed(open(part, 0), part.key);
    // Streams hand over what they have (a generated API answer may give a few bytes per read):
    // read until the first line is whole, the stream ends or 64 KiB arrived.
    std::string buffer(64 << 10, '\0');
    std::size_t got = 0;
    std::string::size_type header_end = std::string::npos;
    while (got < buffer.size()) {
      std::size_t n = stream->read(buffer.data() + got, buffer.size() - got);
      if (n == 0) break;
      got += n;
      header_end = std::string_view(buffer.data(), got).find('\n');
      if (header_end != std::string::npos) break;
    }
    steps.push_back({"read " + part.key, true,
                     std::to_string(got) + " bytes; first line: " +
                         buffer.substr(0, std::min<std::size_t>(header_end == std::string::npos ? got : header_end, 160))});
  } catch (const Error& e) {
    steps.push_back({"read " + part.key, false, e.what()});
  }
  return steps;
}

void RemoteSourceRegistry::add(std::string scheme, RemoteSourceFactory factory) {
  factories_[std::move(scheme)] = std::move(factory);
}

std::string location_scheme(const std::string& location) {
  auto end = location.find("://");
  return end == std::string::npos ? std::string() : location.substr(0, end);
}

std::string RemoteLocation::setting(const std::string& key, const std::string& fallback) const {
  auto it = settings.find(key);
  return it == settings.end() ? fallback : it->second;
}

std::string RemoteLocation::where(const std::string& key) const {
  if (config_path.empty()) return key + "= in the URL";
  auto group = setting_group.find(key);
  return config_path + "." + (group == setting_group.end() ? std::string("options") : group->second) + "." + key;
}

std::optional<RemoteLocation> parse_remote_location(const std::string& text, SourceType type,
                                                    const std::string& source_name) {
  auto end = text.find("://");
  if (end == std::string::npos || end == 0) return std::nullopt;
  for (std::size_t i = 0; i < end; ++i)
    if (!std::isalnum(static_cast<unsigned char>(text[i])) && text[i] != '+' && text[i] != '-' && text[i] != '.')
      return std::nullopt;
  RemoteLocation l;
  l.source_name = source_name;
  l.type = type;
  l.url = text;
  l.scheme = text.substr(0, end);
  auto q = text.find('?', end + 3);
  l.base = text.substr(0, q);
  if (q != std::string::npos) {
    std::string_view query(text);
    query.remove_prefix(q + 1);
    while (!query.empty()) {
      auto amp = query.find('&');
      auto pair = query.substr(0, amp);
      auto eq = pair.find('=');
      if (!pair.empty())
        l.settings[text::percent_decode_lenient(pair.substr(0, eq), true)] =
            eq == std::string_view::npos ? "" : text::percent_decode_lenient(pair.substr(eq + 1), true);
      if (amp == std::string_view::npos) break;
      query.remove_prefix(amp + 1);
    }
  }
  // The same keys and checks as credentials: / options: in the config.
  if (const auto* keys = config::location_keys(l.scheme)) {
    for (const auto& [key, value] : l.settings) {
      bool known = std::find(keys->credentials.begin(), keys->credentials.end(), key) != keys->credentials.end() ||
                   std::find(keys->options.begin(), keys->options.end(), key) != keys->options.end() ||
                   std::find(keys->url_only.begin(), keys->url_only.end(), key) != keys->url_only.end();
      if (!known) {
        std::vector<std::string> all = keys->credentials;
        all.insert(all.end(), keys->options.begin(), keys->options.end());
        throw invalid_input(l.base + ": unknown setting " + key + "= (known: " + text::join(all, ", ") + ")");
      }
      if (auto problem = config::check_location_setting(l.scheme, key, value); !problem.empty())
        throw invalid_input(l.base + ": " + key + "=: " + problem);
    }
  }
  return l;
}

std::unique_ptr<RemoteSource> RemoteSourceRegistry::open(const RemoteLocation& location) const {
  auto it = factories_.find(location.scheme);
  if (it == factories_.end()) {
    std::string known;
    for (const auto& [k, f] : factories_) known += (known.empty() ? "" : ", ") + k + "://";
    throw invalid_input("no adapter reads " + location.base + " (known: " + (known.empty() ? "none" : known) + ")");
  }
  return it->second(location);
}

std::vector<FileResult> sync_remote_source(storage::Database& db, const config::Config& config,
                                           const RemoteLocation& source, RemoteSource& remote,
                                           const Clock& clock, const SyncOptions& options) {
  std::vector<FileResult> results;
  const UnixSeconds started = clock.now();
  std::vector<Delivery> deliveries;
  const std::string today = format_day(day_of(started));
  const std::int64_t calls_before = api_calls_on(db, status_key(source), today);
  // Paid API calls are counted whatever happens next (a failed run's calls are billed too).
  auto record_calls = [&] {
    if (auto calls = remote.api_calls(); calls > 0) {
      add_api_calls(db, status_key(source), today, calls);
      spdlog::info("{}: {} API call(s) this run, {} today", source.base, calls, calls_before + calls);
    }
  };
  try {
    RunContext context;
    context.now = started;
    if (!options.force) context.known_versions = stored_versions(db, status_key(source));
    context.from_period = options.from_period;
    context.calls_today = calls_before;
    remote.begin_run(context);
    deliveries = remote.list();
  } catch (const Error& e) {
    record_calls();
    FileResult failed;
    failed.source_name = source.source_name;
    failed.type = source.type;
    failed.path = remote.location();
    failed.error = e.what();
    results.push_back(std::move(failed));
    record_source_run(db, source, started, "failed", results.back().error);
    spdlog::warn("{}", results.back().error);
    return results;
  }
  std::sort(deliveries.begin(), deliveries.end(), [](const Delivery& a, const Delivery& b) { return a.period < b.period; });
  std::vector<const Delivery*> due;
  for (const auto& d : deliveries) {
    if (!options.from_period.empty() && d.period < options.from_period) continue;
    if (!options.to_period.empty() && d.period > options.to_period) continue;
    auto stored = stored_period(db, status_key(source), d.period);
    if (stored && stored->first == d.version && !options.force) {
      FileResult same;
      same.source_name = source.source_name;
      same.path = delivery_label(remote, d);
      same.type = d.type;
      same.digest = d.version;
      same.status = RunStatus::unchanged;
      same.run_id = stored->second;
      same.error = "billing period " + d.period + " unchanged since run " + std::to_string(stored->second);
      results.push_back(std::move(same));
      continue;
    }
    due.push_back(&d);
  }
  std::string first_error;
  bool any_ingested = false;
  for (std::size_t i = 0; i < due.size(); ++i) {
    SyncProgress progress;
    progress.source_name = source.source_name.empty() ? source.base : source.source_name;
    progress.period = due[i]->period;
    progress.delivery_index = i + 1;
    progress.delivery_count = due.size();
    auto r = ingest_delivery(db, config, source, remote, *due[i], clock, options, progress);
    if (r.status == RunStatus::failed) {
      spdlog::warn("{}: billing period {} failed, its previous data is kept: {}", source.base, due[i]->period, r.error);
      if (first_error.empty()) first_error = r.error;
    } else {
      any_ingested = true;
      spdlog::info("{}: billing period {} ingested ({} rows, {} rejected, {:.1f} s)", source.base,
                   due[i]->period, r.rows_read, r.rows_rejected, r.seconds);
    }
    results.push_back(std::move(r));
  }
  record_calls();
  record_source_run(db, source, started, !first_error.empty() ? "failed" : any_ingested ? "succeeded" : "unchanged",
                    first_error);
  return results;
}

std::vector<FileResult> sync_remote_location(storage::Database& db, const config::Config& config,
                                             const RemoteLocation& location, const RemoteSourceRegistry& registry,
                                             const Clock& clock, const SyncOptions& options) {
  try {
    auto remote = registry.open(location);
    return sync_remote_source(db, config, location, *remote, clock, options);
  } catch (const Error& e) {
    FileResult failed;
    failed.source_name = location.source_name;
    failed.type = location.type;
    failed.path = location.base;
    failed.error = e.what();
    record_source_run(db, location, clock.now(), "failed", failed.error);
    return {failed};
  }
}

std::vector<FileResult> sync_configured_remote(storage::Database& db, const config::Config& config,
                                               const RemoteLocation& location, const Clock& clock,
                                               const SourcesRunOptions& run) {
  static const RemoteSourceRegistry none;
  return sync_remote_location(db, config, location, run.remote ? *run.remote : none, clock,
                              run.sync ? *run.sync : SyncOptions{});
}

namespace {
RemoteLocation configured_location(const config::IngestSource& source, std::size_t index) {
  RemoteLocation l;
  l.source_name = source.name;
  l.type = parse_source_type(source.type).value_or(SourceType::focus);
  l.url = l.base = source.location;
  auto sep = source.location.find("://");
  l.scheme = sep == std::string::npos ? std::string() : source.location.substr(0, sep);
  l.config_path = "ingest.sources[" + std::to_string(index) + "]";
  for (const auto& [k, v] : source.credentials) {
    l.settings[k] = v;
    l.setting_group[k] = "credentials";
  }
  for (const auto& [k, v] : source.options) {
    l.settings[k] = v;
    l.setting_group[k] = "options";
  }
  l.every_seconds = source.every_seconds;
  l.schedule = source.schedule;
  return l;
}
}  // namespace

std::vector<RemoteLocation> configured_remote_locations(const config::Config& config) {
  std::vector<RemoteLocation> out;
  for (std::size_t i = 0; i < config.ingest.sources.size(); ++i)
    if (!config.ingest.sources[i].location.empty()) out.push_back(configured_location(config.ingest.sources[i], i));
  return out;
}

UnixSeconds remote_source_due_at(storage::Database& db, const RemoteLocation& location) {
  if (location.every_seconds <= 0 && location.schedule.empty()) return 0;
  SQLite::Statement q(db.sql(), "SELECT last_run_at FROM remote_sources WHERE name = ?");
  q.bind(1, status_key(location));
  if (!q.executeStep()) return 0;  // never ran: due now
  const UnixSeconds last = q.getColumn(0).getInt64();
  if (location.every_seconds > 0) {
    // A tick a little early (the previous run started late within its tick) still counts.
    return last + location.every_seconds - std::min<std::int64_t>(location.every_seconds / 10, 300);
  }
  std::string problem;
  auto cron = CronExpression::try_parse(location.schedule, problem);
  return cron ? cron->next_after(last) : 0;
}

std::vector<SourceStatus> source_statuses(storage::Database& db, const config::Config& config, const Clock& clock) {
  std::vector<SourceStatus> out;
  const auto* job = config.schedules.find("ingest");
  for (const auto& l : configured_remote_locations(config)) {
    SourceStatus s;
    s.name = l.source_name;
    s.location = l.base;
    SQLite::Statement q(db.sql(), "SELECT last_run_at, last_status, last_error FROM remote_sources WHERE name = ?");
    q.bind(1, status_key(l));
    if (q.executeStep()) {
      s.last_run_at = q.getColumn(0).getInt64();
      s.last_status = q.getColumn(1).getString();
      s.last_error = q.getColumn(2).getString();
    }
    SQLite::Statement w(db.sql(), "SELECT period, version, (SELECT COUNT(*) FROM remote_periods WHERE source_name = ?1) "
                                  "FROM remote_periods WHERE source_name = ?1 ORDER BY period DESC LIMIT 1");
    w.bind(1, status_key(l));
    if (w.executeStep()) {
      s.watermark = w.getColumn(0).getString() + " @ " + w.getColumn(1).getString();
      s.periods_stored = w.getColumn(2).getInt64();
    }
    s.pace = l.every_seconds > 0 ? "every " + format_duration_words(l.every_seconds)
             : !l.schedule.empty() ? "cron " + l.schedule
                                   : "every ingest tick";
    if (job && job->enabled && !job->cron.empty()) {
      std::string problem;
      if (auto expr = CronExpression::try_parse(job->cron, problem)) {
        // The first tick of the ingest job at or after the source's own due time.
        UnixSeconds from = std::max(clock.now(), remote_source_due_at(db, l));
        s.next_due = expr->next_after(from - 1);
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace costbot::ingest
