// Persona alert jobs (engine/alerts):
//   alerts            route + render + queue every new or changed alert (after detect, and on a
//                     timer so alerts held for quiet hours go out when those end)
//   alert_escalation  mention the manager, then the director, under unacknowledged critical alerts
//   daily_digest      each persona's daily digest
//   weekly_digest     each persona's weekly digest
#include <fmt/format.h>

#include "bot/scheduler/jobs.hpp"
#include "engine/alerts/delivery.hpp"
#include "engine/alerts/digest.hpp"
#include "engine/alerts/escalation.hpp"

namespace costbot::scheduler {

JobFn alerts_job(std::string templates_root) {
  return [root = std::move(templates_root)](JobContext& ctx) {
    render::Templates templates(root);
    auto report = alerts::AlertDelivery(ctx.db, ctx.config, templates, ctx.clock.now()).run();
    ctx.changed_data = report.queued();
    ctx.message = report.summary();
  };
}

JobFn alert_escalation_job(std::string templates_root) {
  return [root = std::move(templates_root)](JobContext& ctx) {
    render::Templates templates(root);
    auto report = alerts::run_escalation(ctx.db, ctx.config, templates, ctx.clock.now());
    ctx.changed_data = report.notices > 0;
    ctx.message = report.steps == 0 ? "no escalation due"
                                    : fmt::format("{} escalation step(s), {} message(s)", report.steps, report.notices);
  };
}

JobFn digest_job(std::string templates_root, std::string period) {
  return [root = std::move(templates_root), period = std::move(period)](JobContext& ctx) {
    render::Templates templates(root);
    auto report = alerts::send_digests(ctx.db, ctx.config, templates, period, ctx.clock.now());
    ctx.changed_data = report.messages > 0;
    ctx.message = fmt::format("{} persona digest(s), {} message(s){}", report.personas, report.messages,
                              report.skipped ? fmt::format(", {} already sent today", report.skipped) : std::string());
  };
}

}  // namespace costbot::scheduler
