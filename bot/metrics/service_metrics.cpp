#include "bot/metrics/service_metrics.hpp"

#include <array>
#include <chrono>
#include <charconv>

namespace costbot::metrics {
namespace {

std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

ServiceMetrics::ServiceMetrics(Registry& r)
    : http_requests(r.counter("costbot_http_requests_total", "HTTP requests answered, by route pattern, method and status.",
                              {"route", "method", "status"})),
      http_request_duration(r.histogram("costbot_http_request_duration_seconds",
                                        "Time from request read to response written, by route pattern.", {"route"},
                                        latency_buckets())),
      rows_ingested(r.counter("costbot_ingest_rows_total", "Billing rows stored by ingestion, by source.", {"source"})),
      rows_quarantined(r.counter("costbot_ingest_rows_quarantined_total",
                                 "Billing rows rejected and quarantined by ingestion, by source.", {"source"})),
      findings(r.counter("costbot_findings_total", "Findings raised by detection, by kind.", {"kind"})),
      outbox_effects(r.gauge("costbot_outbox_effects",
                             "Effects in the outbox by status: pending and in_flight are the depth still to deliver.",
                             {"status"})),
      outbox_retries(r.counter("costbot_outbox_retries_total",
                               "Delivery attempts that failed and were scheduled again, by effect kind.", {"kind"})),
      outbox_deliveries(r.counter("costbot_outbox_deliveries_total",
                                  "Effects finished by the outbox worker, by kind and outcome (delivered, failed).",
                                  {"kind", "outcome"})),
      job_duration(r.histogram("costbot_job_duration_seconds", "Duration of scheduled job runs, by job.", {"job"},
                               job_duration_buckets())),
      job_runs(r.counter("costbot_job_runs_total", "Scheduled job runs, by job and outcome (ok, failed, skipped).",
                         {"job", "outcome"})),
      start_time(r.gauge("costbot_start_time_seconds", "Unix time the process started.").get()),
      build_info(r.gauge("costbot_build_info", "Always 1; the version label says which build runs.", {"version"})) {
  if (start_time.value() == 0) start_time.set(unix_now());
#ifdef COSTBOT_VERSION
  build_info.labels({COSTBOT_VERSION}).set(1);
#endif
}

void ServiceMetrics::record_request(std::string_view route, std::string_view method, int status, double seconds) {
  std::array<char, 8> buf{};
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), status);
  std::string_view status_text(buf.data(), ec == std::errc{} ? static_cast<std::size_t>(end - buf.data()) : 0);
  http_requests.labels({route, method, status_text}).inc();
  http_request_duration.labels({route}).observe(seconds);
}

void ServiceMetrics::record_job(std::string_view job, bool ok, double seconds) {
  job_runs.labels({job, ok ? "ok" : "failed"}).inc();
  job_duration.labels({job}).observe(seconds);
}

void ServiceMetrics::record_job_skipped(std::string_view job) { job_runs.labels({job, "skipped"}).inc(); }

void ServiceMetrics::record_delivery(std::string_view kind, Delivery outcome) {
  switch (outcome) {
    case Delivery::delivered: outbox_deliveries.labels({kind, "delivered"}).inc(); break;
    case Delivery::failed: outbox_deliveries.labels({kind, "failed"}).inc(); break;
    case Delivery::retry: outbox_retries.labels({kind}).inc(); break;
  }
}

void ServiceMetrics::set_outbox(const outbox::Stats& stats) {
  outbox_effects.labels({"pending"}).set(static_cast<double>(stats.pending));
  outbox_effects.labels({"in_flight"}).set(static_cast<double>(stats.in_flight));
  outbox_effects.labels({"failed"}).set(static_cast<double>(stats.failed));
}

ServiceMetrics& service() {
  static ServiceMetrics metrics(default_registry());
  return metrics;
}

void watch_outbox(Registry& registry, ServiceMetrics& metrics, std::function<outbox::Stats()> read_stats) {
  registry.on_collect([&metrics, read = std::move(read_stats)] { metrics.set_outbox(read()); });
}

Stopwatch::Stopwatch() : start_ns_(steady_ns()) {}

double Stopwatch::seconds() const { return static_cast<double>(steady_ns() - start_ns_) / 1e9; }

}  // namespace costbot::metrics
