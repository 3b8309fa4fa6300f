// The detect job: every detector over the store, through the same path as `costbot detect`.
// It reports changed data when findings or incidents changed, so the alerts job that follows it
// (schedules.alerts.after: detect) routes and delivers what is new.
#include <fmt/format.h>

#include "bot/scheduler/jobs.hpp"
#include "engine/detect/detection_run.hpp"

namespace costbot::scheduler {

JobFn detect_job() {
  return [](JobContext& ctx) {
    auto s = detect::run_detection(ctx.db, ctx.config, ctx.clock.now());
    if (!s.had_data) {
      ctx.message = "no cost data: nothing to detect";
      return;
    }
    ctx.changed_data = s.findings_new + s.findings_updated + s.incidents_opened + s.incidents_resolved > 0;
    ctx.message = fmt::format("as of {}: {} new finding(s), {} updated, {} incident(s) opened, {} resolved, {} open",
                              format_day(s.as_of), s.findings_new, s.findings_updated, s.incidents_opened,
                              s.incidents_resolved, s.open_incidents);
  };
}

}  // namespace costbot::scheduler
