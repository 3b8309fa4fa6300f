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
};

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

class RemoteSource {
 public:
  virtual ~RemoteSource() = default;
  virtual std::string location() const = 0;
  // Called just before list() with the versions the engine has stored for this source, by period,
  // and the oldest period the run wants ("" = the source's default; with --force, nothing is
  // stored). Incremental sources (BigQuery) scan from the newest stored version; the rest ignore it.
  virtual void prepare_listing(const std::map<std::string, std::string>& /*stored_versions*/,
                               const std::string& /*from_period*/) {}
  // Every delivery currently there, one per period. Throws RemoteSourceError.
  virtual std::vector<Delivery> list() = 0;
  // The raw bytes of `part` from `offset` on, pulled from the network as read() asks (never
  // buffered whole). Should fail (RemoteSourceError) when the object is no longer the listed
  // version (ETag). Gzip is detected and unpacked by the engine.
  virtual std::unique_ptr<ByteSource> open(const RemoteObject& part, std::uint64_t offset) = 0;
  // `costbot sources check`: authenticate, list, read a first page, each step explained. The
  // default lists and reads the first 64 KiB of the newest delivery's first part.
  virtual std::vector<CheckStep> check();
};

// A remote location as configured: an entry of ingest.sources[].paths (or a CLI argument) that
// is a URL, "s3://BUCKET/PREFIX/?profile=billing&region=eu-west-1". The query carries the
// adapter's settings (credentials by reference, region, endpoint, ...); each adapter validates
// its own keys and names the unknown ones.
struct RemoteLocation {
  std::string source_name;  // the configured source ("" on the CLI)
  SourceType type = SourceType::focus;  // --source / type: the reader for the parts
  std::string url;          // the whole text as written (query included)
  std::string scheme;       // "s3"
  std::string base;         // the URL without its query: "s3://BUCKET/PREFIX/"
  std::map<std::string, std::string> settings;  // the query, percent-decoded
  std::string setting(const std::string& key, const std::string& fallback = {}) const;
};
// Parses "scheme://rest[?k=v&...]"; nullopt for a local path (no "scheme://").
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
  UnixSeconds next_due = 0;          // the ingest job's next tick (schedules.ingest.cron)
};
std::vector<SourceStatus> source_statuses(storage::Database& db, const config::Config& config, const Clock& clock);
// Every remote location of the configured sources, in config order.
std::vector<RemoteLocation> configured_remote_locations(const config::Config& config);

}  // namespace costbot::ingest
