// The ingest job: every file of ingest.sources, through the same path as `costbot ingest`.
// Unchanged files are skipped by ingestion itself, so a tick with nothing new changes nothing
// and does not wake the jobs that follow it.
#include <fmt/format.h>

#include "bot/metrics/service_metrics.hpp"
#include "bot/scheduler/jobs.hpp"
#include "bot/sources/remote_sources.hpp"
#include "engine/ingest/ingest.hpp"
#include "engine/util/error.hpp"

namespace costbot::scheduler {

JobFn ingest_job() {
  return [](JobContext& ctx) {
    if (ctx.config.ingest.sources.empty()) {
      ctx.message = "nothing to do: ingest.sources is empty";
      return;
    }
    // Cloud locations (s3://...) are read through their adapters; a run builds them afresh so a
    // changed environment (rotated credentials, proxy) is picked up at the next tick.
    sources::RemoteSources remote(ctx.config, ctx.clock);
    ingest::SourcesRunOptions options;
    options.remote = &remote.registry();
    options.only_due = true;  // cloud sources with their own every: / schedule: when due
    auto results = ingest::run_configured_sources(ctx.db, ctx.config, ctx.clock, options);
    int ingested = 0, unchanged = 0, failed = 0;
    std::int64_t accepted = 0, rejected = 0;
    std::string first_failure;
    auto& metrics = metrics::service();
    for (const auto& r : results) {
      switch (r.status) {
        case ingest::RunStatus::succeeded:
          ++ingested;
          accepted += r.rows_accepted;
          rejected += r.rows_rejected;
          // Label values are configured source names: a small, fixed set.
          metrics.rows_ingested.labels({r.source_name}).inc(static_cast<double>(r.rows_accepted));
          metrics.rows_quarantined.labels({r.source_name}).inc(static_cast<double>(r.rows_rejected));
          break;
        case ingest::RunStatus::unchanged: ++unchanged; break;
        case ingest::RunStatus::failed:
          ++failed;
          if (first_failure.empty()) first_failure = r.error;  // names the file or the source
          break;
      }
    }
    // New data that landed is worth detecting even when another source failed.
    ctx.changed_data = ingested > 0;
    ctx.message = fmt::format("{} file(s): {} ingested ({} rows, {} rejected), {} unchanged, {} failed", results.size(),
                              ingested, accepted, rejected, unchanged, failed);
    if (failed > 0)
      throw Error(ErrorKind::unavailable,
                  fmt::format("{} of {} file(s) failed; first: {}", failed, results.size(), first_failure));
  };
}

}  // namespace costbot::scheduler
