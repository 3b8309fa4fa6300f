// The approvals_sla job: performs every approval escalation step that is due (remind, notify,
// auto-approve, auto-reject). Each step is done once, so running it every minute is cheap.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "bot/scheduler/jobs.hpp"
#include "engine/approvals/approvals.hpp"

namespace costbot::scheduler {

JobFn approvals_sla_job(std::string templates_root) {
  return [root = std::move(templates_root)](JobContext& ctx) {
    approvals::Approvals engine(ctx.config, render::Templates(root));
    auto report = engine.tick(ctx.db, ctx.clock.now());
    for (const auto& line : report.lines) spdlog::info("approvals_sla: {}", line);
    const int steps = report.reminders + report.notifications + report.auto_approved + report.auto_rejected;
    ctx.changed_data = steps > 0;
    ctx.message = steps == 0 ? "no escalation due"
                             : fmt::format("{} reminder(s), {} notification(s), {} auto-approved, {} auto-rejected",
                                           report.reminders, report.notifications, report.auto_approved,
                                           report.auto_rejected);
  };
}

}  // namespace costbot::scheduler
