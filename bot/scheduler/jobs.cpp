#include "bot/scheduler/jobs.hpp"

namespace costbot::scheduler {

std::vector<JobDefinition> available_jobs(const JobSetup& setup) {
  return {
      {"ingest", "ingest every file of ingest.sources (changed files only)", ingest_job()},
      {"approvals_sla", "approval SLA reminders, notifications and automatic decisions", approvals_sla_job(setup.templates_root)},
      {"detect", "every detector (cost anomalies, waste rules, budgets) over the store", detect_job()},
      {"alerts", "route, render and queue new and changed persona alerts", alerts_job(setup.templates_root)},
      {"alert_escalation", "mention the manager, then the director, under unacknowledged critical alerts",
       alert_escalation_job(setup.templates_root)},
      {"daily_digest", "each persona's daily digest", digest_job(setup.templates_root, "daily")},
      {"weekly_digest", "each persona's weekly digest", digest_job(setup.templates_root, "weekly")},
      {"approval_triggers", "open findings matching approvals.triggers get an approval request", approval_triggers_job(setup.templates_root)},
      {"ticket_sync", "tickets follow their incidents: comments on changes, done when resolved", ticket_sync_job(setup.templates_root)},
      {"audit_anchor", "a new audit log head to the log and audit.anchor_file", audit_anchor_job()},
      {"audit_anchor_daily", "the audit log head to audit.anchor_channel", audit_anchor_daily_job()},
  };
}

const JobDefinition* find_job(const std::vector<JobDefinition>& jobs, const std::string& name) {
  for (const auto& j : jobs)
    if (j.name == name) return &j;
  return nullptr;
}

std::vector<std::string> add_configured_jobs(Scheduler& scheduler, const config::Config& config,
                                             const std::vector<JobDefinition>& jobs) {
  for (const auto& definition : jobs) {
    JobSpec spec;
    spec.name = definition.name;
    spec.description = definition.description;
    spec.run = definition.run;
    if (const auto* schedule = config.schedules.find(definition.name)) {
      if (!schedule->cron.empty()) spec.cron = CronExpression::parse(schedule->cron);
      spec.after = schedule->after;
      spec.enabled = schedule->enabled;
      spec.run_at_start = schedule->on_start;
    } else {
      spec.enabled = false;  // no schedule known: only `costbot jobs run` starts it
    }
    scheduler.add(std::move(spec));
  }
  std::vector<std::string> missing;
  for (const auto& [name, schedule] : config.schedules.jobs)
    if (schedule.enabled && !find_job(jobs, name)) missing.push_back(name);
  return missing;
}

}  // namespace costbot::scheduler
