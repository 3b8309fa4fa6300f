// The ticket_sync job: tickets follow their incidents (engine/tickets/incident_sync): a comment when
// the incident changes, a move to done when it resolves. Cheap when nothing changed.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "bot/scheduler/jobs.hpp"
#include "engine/tickets/incident_sync.hpp"

namespace costbot::scheduler {

JobFn ticket_sync_job(std::string templates_root) {
  return [root = std::move(templates_root)](JobContext& ctx) {
    auto report = tickets::sync_ticket_incidents(ctx.db, ctx.config, render::Templates(root), ctx.clock.now());
    for (const auto& line : report.lines) spdlog::info("ticket_sync: {}", line);
    ctx.changed_data = report.comments + report.transitions > 0;
    ctx.message = fmt::format("{} ticket(s) follow an incident; {} comment(s), {} transition(s) queued", report.tickets,
                              report.comments, report.transitions);
  };
}

}  // namespace costbot::scheduler
