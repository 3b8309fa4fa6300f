#pragma once
// Remote billing sources (S3 Data Exports, Azure Blob exports, BigQuery billing export, Cost
// Explorer, ...): the seam between an adapter that speaks a cloud's protocol and the engine that
// ingests. Described for the adapters' authors in the team note cloud-interface.md.
//
// An adapter lists DELIVERIES (one billing period as the provider has it now, with an opaque
// version and its parts) and opens a part as a byte stream from an offset. The engine does the
// rest, the same way for every cloud:
//   - a delivery whose version equals the stored watermark of (source, period) is skipped;
//   - a new or restated period is ingested in ONE transaction as ONE run: the billing scopes the
//     source's previous run of that period wrote are dropped, every part goes through the usual
//     reader → normalizer → writer (one writer across parts, so part 2 never replaces part 1),
//     and the new watermark is stored in the same transaction. Any failure (truncated gzip, a
//     missing part, access denied halfway, an object changed under us) rolls it all back: the
//     period keeps its previous data and watermark, the failed run is recorded with the error
//     naming the object, and the next run tries that period again;
//   - a part whose stream breaks with a transient error is reopened at the byte it reached
//     (open(part, offset), e.g. an HTTP Range request), a few times, before the run gives up;
//   - each source's last run, status, error and watermark are kept for `costbot sources`.
// Nothing here touches the network; parts are pulled row by row, so memory stays flat.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/config/config.hpp"
#include "engine/ingest/byte_source.hpp"
#include "engine/ingest/cost_record.hpp"
#include "engine/ingest/ingest.hpp"
#include "engine/storage/database.hpp"
#include "engine/util/error.hpp"
#include "engine/util/time.hpp"

namespace costbot::ingest {

struct RemoteObject {
  std::string key;     // the full name used in messages: "s3://bucket/prefix/part-0.csv.gz"
  std::string etag;    // as the provider reports it ("" when it has none)
  std::int64_t size = -1;  // bytes, -1 when unknown
};

struct Delivery {
  std::string period;   // "YYYY-MM": the unit that is replaced
  std::string version;  // opaque: manifest / execution id, or the parts' ETags
  SourceType type = SourceType::focus;  // the reader for its parts
  std::vector<RemoteObject> parts;      // ingested in this order, in one run
  std::string manifest;                 // the manifest it came from, "" when none
  // "" for exports (the scopes are named by the reader type). An API source whose figures yield
  // to the exports names its own kind, "api:NAME" (kApiScopePrefix): its rows live in their own
  // billing scopes, and the engine drops them for every (provider, account, day) an export covers,
  // so an account read both ways is counted once.
  std::string scope_kind;
  std::vector<std::string> estimated_days;  // "YYYY-MM-DD": figures the provider marks as estimates
};

inline constexpr std::string_view kApiScopePrefix = "api:";

struct CheckStep {
  std::string what;    // "list s3://bucket/prefix/"
  bool ok = false;
  std::string detail;  // "12 objects, 3 billing periods" or the failure in words
};

// A failure talking to the provider, worded for people ("access denied: s3:GetObject on ...").
// transient(): a retry may succeed (network, 5xx, throttling); otherwise a person must act.
class RemoteSourceError : public Error {
 public:
  RemoteSourceError(ErrorKind kind, std::string message, bool transient)
      : Error(kind, std::move(message)), transient_(transient) {}
  bool transient() const { return transient_; }

 private:
  bool transient_;
};

// What the engine knows of a source when a run starts (RemoteSource::begin_run).
struct RunContext {
  // Period → the version stored for it (empty with --force: everything is read again). An
  // incremental source (BigQuery) scans from the newest one; the rest ignore it.
  std::map<std::string, std::string> known_versions;
  std::string from_period;  // the oldest period the run wants ("" = the source's default); --history / --from
  UnixSeconds now = 0;
  std::int64_t calls_today = 0;  // API calls this source made earlier today (UTC), see api_calls()
};

class RemoteSource {
 public:
  virtual ~RemoteSource() = default;
  virtual std::string location() const = 0;
  // Called once before list() in a sync, with what is already stored (e.g. to query only what
  // changed since the newest stored version). The default ignores it.
  virtual void begin_run(const RunContext&) {}
  // Every delivery currently there, one per period. Throws RemoteSourceError.
  virtual std::vector<Delivery> list() = 0;
  // The raw bytes of `part` from `offset` on, pulled from the network as read() asks (never
  // buffered whole). Should fail (RemoteSourceError) when the object is no longer the listed
  // version (ETag). Gzip is detected and unpacked by the engine.
  virtual std::unique_ptr<ByteSource> open(const RemoteObject& part, std::uint64_t offset) = 0;
  // `costbot sources check`: authenticate, list, read a first page, each step explained. The
  // default lists and reads the first 64 KiB of the newest delivery's first part.
  virtual std::vector<CheckStep> check();
  // Requests to a paid API this run (Cost Explorer bills each one); the engine adds them to the
  // day's count (RunContext::calls_today of the next run) and logs them. 0 for free APIs.
  virtual std::int64_t api_calls() const { return 0; }
};

// A remote location: a configured source's location: with its credentials: and options: (or, on
// the command line, a URL whose query carries them: "s3://BUCKET/PREFIX/?profile=billing").
// Adapters read their settings with setting() and name a bad one with where().
struct RemoteLocation {
  std::string source_name;  // the configured source ("" on the CLI)
  SourceType type = SourceType::focus;  // --source / type: the reader for the parts
  std::string url;          // the whole text as written (query included)
  std::string scheme;       // "s3"
  std::string base;         // the URL without its query: "s3://BUCKET/PREFIX/"
  std::map<std::string, std::string> settings;  // credentials + options (or the query, percent-decoded)
  std::string config_path;  // "ingest.sources[2]"; "" on the CLI
  std::map<std::string, std::string> setting_group;  // key → "credentials" / "options" (config only)
  std::int64_t every_seconds = 0;  // the source's own pace (config every: / schedule:), 0 / "" = every tick
  std::string schedule;
  std::string setting(const std::string& key, const std::string& fallback = {}) const;
  // Where a setting was written, for messages: "ingest.sources[2].credentials.role_arn", or
  // "role_arn= in the URL" on the command line.
  std::string where(const std::string& key) const;
};
// Parses "scheme://rest[?k=v&...]"; nullopt for a local path (no "scheme://"). Query keys are
// checked against config::location_keys(scheme) when costbot knows the scheme: an unknown key or
// a bad value throws Error(invalid_input) naming it.
std::optional<RemoteLocation> parse_remote_location(const std::string& text, SourceType type,
                                                    const std::string& source_name = {});

// Location scheme ("s3", "https", "bq", ...) → adapter, filled in by the composition root.
using RemoteSourceFactory = std::function<std::unique_ptr<RemoteSource>(const RemoteLocation&)>;

class RemoteSourceRegistry {
 public:
  void add(std::string scheme, RemoteSourceFactory factory);
  // The adapter for the location's scheme; throws Error(invalid_input) naming the location and
  // the known schemes when no adapter handles it.
  std::unique_ptr<RemoteSource> open(const RemoteLocation& location) const;
  bool handles(const std::string& scheme) const { return factories_.count(scheme) > 0; }

 private:
  std::map<std::string, RemoteSourceFactory> factories_;
};

struct SyncProgress {
  std::string source_name;
  std::string period;
  std::size_t delivery_index = 0;  // 1-based, of delivery_count due this run
  std::size_t delivery_count = 0;
  std::uint64_t bytes_read = 0;    // of this delivery, compressed bytes as transferred
  std::uint64_t bytes_total = 0;   // 0 when unknown
  bool finished = false;           // the delivery is done (or failed)
};

struct SyncOptions {
  std::string from_period;  // "YYYY-MM": only periods from this one on ("" = all listed)
  std::string to_period;    // "YYYY-MM": and up to this one ("" = no limit)
  bool force = false;       // ingest even periods whose version is already stored
  std::function<void(const SyncProgress&)> on_progress;  // called every few MB and per delivery
  int max_resumes = 3;      // per part, after a transient break
};

// One remote location: list, then each new or restated period (oldest first) in its own
// transaction. Returns one FileResult per delivery ingested, failed or skipped as unchanged; a
// failure to list yields one failed result naming the location. Records the source's status
// under location.source_name (or the location's base URL on the CLI).
std::vector<FileResult> sync_remote_source(storage::Database& db, const config::Config& config,
                                           const RemoteLocation& location, RemoteSource& remote,
                                           const Clock& clock, const SyncOptions& options = {});
// The same, opening the adapter through the registry (a failed result when none handles it).
std::vector<FileResult> sync_remote_location(storage::Database& db, const config::Config& config,
                                             const RemoteLocation& location, const RemoteSourceRegistry& registry,
                                             const Clock& clock, const SyncOptions& options = {});

// `costbot sources`: what the engine knows of each remote location (one per configured URL).
struct SourceStatus {
  std::string name;      // the configured source's name
  std::string location;  // its base URL
  UnixSeconds last_run_at = 0;       // 0 = never ran
  std::string last_status;           // succeeded, unchanged, failed, "" = never ran
  std::string last_error;
  std::string watermark;             // newest period stored and its version, "2024-06 @ exec-42"
  std::int64_t periods_stored = 0;
  UnixSeconds next_due = 0;          // the ingest job tick that will pull it next (0: only by hand)
  std::string pace;                  // "every 30m", "cron */30 * * * *", "every ingest tick"
};
std::vector<SourceStatus> source_statuses(storage::Database& db, const config::Config& config, const Clock& clock);
// Every remote location of the configured sources, in config order.
std::vector<RemoteLocation> configured_remote_locations(const config::Config& config);
// When the source is next due by its own pace (every: / schedule:), from its last run; 0 = due at
// every tick of the ingest job. The scheduler's ingest job pulls it at the first tick from then.
UnixSeconds remote_source_due_at(storage::Database& db, const RemoteLocation& location);

}  // namespace costbot::ingest
