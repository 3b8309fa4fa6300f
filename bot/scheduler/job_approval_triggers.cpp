// The approval_triggers job: open findings that match approvals.triggers (kind, severity, amount)
// get their approval request (engine/tickets/finding_requests). Once per finding, however often it runs.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "bot/scheduler/jobs.hpp"
#include "engine/approvals/approvals.hpp"
#include "engine/tickets/finding_requests.hpp"

namespace costbot::scheduler {

JobFn approval_triggers_job(std::string templates_root) {
  return [root = std::move(templates_root)](JobContext& ctx) {
    approvals::Approvals engine(ctx.config, render::Templates(root));
    auto report = tickets::open_requests_for_findings(ctx.db, engine, ctx.clock.now());
    for (const auto& line : report.lines) spdlog::info("approval_triggers: {}", line);
    ctx.changed_data = report.opened > 0;
    ctx.message = fmt::format("{} open finding(s) without a request; {} request(s) opened", report.examined, report.opened);
  };
}

}  // namespace costbot::scheduler
