#pragma once
// The service's named instruments, so every part records the same metric names and labels.
//
//   auto& m = metrics::service();                       // on metrics::default_registry()
//   m.record_request("/slack/commands", "POST", 200, seconds);   // route = the pattern, not the path
//   m.rows_ingested.labels({"focus-sample"}).inc(rows);
//   metrics::watch_outbox(metrics::default_registry(), m, [&] { return outbox::stats(db); });
//   GET /metrics → 200, Content-Type metrics::kContentType, body metrics::default_registry().render()
//
// Label values must come from small fixed sets (route patterns, finding kinds, job names, source
// names from config): every distinct value is a time series kept for the life of the process.
#include <cstdint>
#include <functional>
#include <string_view>

#include "bot/metrics/registry.hpp"
#include "engine/outbox/outbox.hpp"

namespace costbot::metrics {

struct ServiceMetrics {
  explicit ServiceMetrics(Registry& registry);

  // HTTP server
  Family<Counter>& http_requests;             // costbot_http_requests_total{route,method,status}
  Family<Histogram>& http_request_duration;   // costbot_http_request_duration_seconds{route}
  // Ingestion and detection
  Family<Counter>& rows_ingested;             // costbot_ingest_rows_total{source}
  Family<Counter>& rows_quarantined;          // costbot_ingest_rows_quarantined_total{source}
  Family<Counter>& findings;                  // costbot_findings_total{kind}
  // Outbox
  Family<Gauge>& outbox_effects;              // costbot_outbox_effects{status}: pending, in_flight, failed
  Family<Counter>& outbox_retries;            // costbot_outbox_retries_total{kind}
  Family<Counter>& outbox_deliveries;         // costbot_outbox_deliveries_total{kind,outcome}: delivered, failed
  // Scheduled jobs
  Family<Histogram>& job_duration;            // costbot_job_duration_seconds{job}
  Family<Counter>& job_runs;                  // costbot_job_runs_total{job,outcome}: ok, failed, skipped
  // Process
  Gauge& start_time;                          // costbot_start_time_seconds (Unix time the process started)
  Family<Gauge>& build_info;                  // costbot_build_info{version} 1

  // One finished HTTP request: counts it by route, method and status and times it by route.
  void record_request(std::string_view route, std::string_view method, int status, double seconds);
  // One finished job run.
  void record_job(std::string_view job, bool ok, double seconds);
  // A tick that found the job still running (not timed: nothing ran).
  void record_job_skipped(std::string_view job);
  // One delivery attempt by the outbox worker: delivered, retried later, or failed for good.
  enum class Delivery { delivered, retry, failed };
  void record_delivery(std::string_view kind, Delivery outcome);
  // Sets the outbox gauges from stats (see watch_outbox to do it at every scrape).
  void set_outbox(const outbox::Stats& stats);
};

// The instruments on default_registry(), created on first use.
ServiceMetrics& service();

// Refreshes the outbox gauges from `read_stats` (e.g. outbox::stats on the server's database
// connection) at every render of `registry`.
void watch_outbox(Registry& registry, ServiceMetrics& metrics, std::function<outbox::Stats()> read_stats);

// Seconds since construction (steady clock), for record_request() and record_job().
class Stopwatch {
 public:
  Stopwatch();
  double seconds() const;

 private:
  std::int64_t start_ns_;
};

}  // namespace costbot::metrics
