// The detect job: every detector over the store, through the same path as `costbot detect`, after
// each ingest run that landed new data. It reports changed data when findings or incidents
// changed, so the alerts job that follows it (schedules.alerts.after: detect) routes and delivers
// what is new. New findings are counted by kind in /metrics.
#include <fmt/format.h>

#include "bot/metrics/service_metrics.hpp"
#include "bot/scheduler/jobs.hpp"
#include "engine/detect/detection_run.hpp"
#include "engine/detect/finding_store.hpp"

namespace costbot::scheduler {

JobFn detect_job() {
  return [](JobContext& ctx) {
    auto s = detect::run_detection(ctx.db, ctx.config, ctx.clock.now());
    if (!s.had_data) {
      ctx.message = "no cost data: nothing to detect";
      return;
    }
    detect::FindingStore store(ctx.db);
    auto& findings = metrics::service().findings;
    for (auto id : s.new_finding_ids)
      if (auto f = store.finding(id)) findings.labels({f->kind}).inc();  // kinds are a fixed set
    ctx.changed_data = s.findings_new + s.findings_updated + s.incidents_opened + s.incidents_resolved > 0;
    ctx.message = fmt::format("as of {}: {} new finding(s), {} updated, {} silenced; {} incident(s) opened, {} resolved, {} open",
                              format_day(s.as_of), s.findings_new, s.findings_updated, s.findings_suppressed,
                              s.incidents_opened, s.incidents_resolved, s.open_incidents);
  };
}

}  // namespace costbot::scheduler
