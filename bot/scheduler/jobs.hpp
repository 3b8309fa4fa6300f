#pragma once
// The jobs this build can run, and how `schedules:` binds them to the scheduler.
//
// To add a job: write its JobFn in a file of its own
// (bot/scheduler/job_<name>.cpp), list it in available_jobs(), and give it a default schedule in
// config::default_job_schedules() (engine/config/schedules_section.cpp) — the name is the key.
#include <string>
#include <vector>

#include "bot/scheduler/scheduler.hpp"

namespace costbot::scheduler {

struct JobDefinition {
  std::string name;
  std::string description;
  JobFn run;
};

struct JobSetup {
  std::string templates_root;  // for jobs that render messages (approvals_sla)
};

// Every job this build has, in a stable order.
std::vector<JobDefinition> available_jobs(const JobSetup& setup);
const JobDefinition* find_job(const std::vector<JobDefinition>& jobs, const std::string& name);

// Adds every available job with its schedule from config.schedules. Returns the configured,
// enabled jobs this build does not have (yet), for the caller to report.
std::vector<std::string> add_configured_jobs(Scheduler& scheduler, const config::Config& config,
                                             const std::vector<JobDefinition>& jobs);

// The jobs, one file each.
JobFn ingest_job();                                   // job_ingest.cpp: ingest.sources
JobFn approvals_sla_job(std::string templates_root);  // job_approvals_sla.cpp: Approvals::tick
JobFn detect_job();                                   // job_detect.cpp: every detector
// job_alerts.cpp: persona alerts, escalation and digests (engine/alerts)
JobFn alerts_job(std::string templates_root);
JobFn alert_escalation_job(std::string templates_root);
JobFn digest_job(std::string templates_root, std::string period);  // period: daily, weekly
JobFn ticket_sync_job(std::string templates_root);    // job_ticket_sync.cpp: tickets follow their incidents
JobFn approval_triggers_job(std::string templates_root);  // job_approval_triggers.cpp: findings open requests
// job_audit_anchor.cpp: the audit head to the log and audit.anchor_file; daily to audit.anchor_channel
JobFn audit_anchor_job();
JobFn audit_anchor_daily_job();

}  // namespace costbot::scheduler
