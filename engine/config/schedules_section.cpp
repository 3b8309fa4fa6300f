// `schedules:` — when each background job runs. Every job has a default, so the section may be
// absent; a job's keys that are absent keep their defaults. Unknown job names are reported with
// the closest known one (by Reader::finish).
#include <set>

#include "engine/config/sections.hpp"
#include "engine/util/cron.hpp"
#include "engine/util/strings.hpp"

namespace costbot::config {

std::map<std::string, JobSchedule> default_job_schedules() {
  return {
      {"ingest", {"*/30 * * * *", "", true, false}},         // ingest.sources
      {"detect", {"", "ingest", true, false}},               // every detector, after each ingest that changed data
      {"approvals_sla", {"* * * * *", "", true, false}},     // approval SLA reminders and escalations
      {"alerts", {"*/15 * * * *", "detect", true, false}},  // persona alerts: after detect, and when quiet hours end
      {"alert_escalation", {"*/5 * * * *", "", true, false}},  // unacknowledged critical alerts: manager, then director
      {"approval_triggers", {"*/15 * * * *", "detect", true, false}},  // findings matching approvals.triggers open requests
      {"ticket_sync", {"*/10 * * * *", "detect", true, false}},  // tickets follow their incidents (after detect, and every 10 min)
      {"daily_digest", {"0 8 * * *", "", true, false}},      // the daily digest per persona
      {"weekly_digest", {"0 8 * * MON", "", true, false}},  // the weekly digest per persona
      {"audit_anchor", {"* * * * *", "", true, true}},       // a new audit head to the log and audit.anchor_file
      {"audit_anchor_daily", {"0 0 * * *", "", true, false}},  // the audit head to audit.anchor_channel
  };
}

const JobSchedule* SchedulesConfig::find(const std::string& job) const {
  auto it = jobs.find(job);
  return it == jobs.end() ? nullptr : &it->second;
}

void read_schedules_section(Reader& root, Config& config) {
  auto section = root.section("schedules");
  auto& jobs = config.schedules.jobs;
  std::vector<std::string> names;
  for (const auto& [name, schedule] : jobs) names.push_back(name);

  for (auto& [name, schedule] : jobs) {
    auto r = section.section(name);  // absent: an empty reader, the defaults stay
    if (r.string("cron", schedule.cron) && !schedule.cron.empty()) {
      std::string error;
      if (!CronExpression::try_parse(schedule.cron, error))
        r.error("cron", "\"" + schedule.cron + "\" is not a valid cron expression: " + error);
    }
    if (r.string("after", schedule.after) && !schedule.after.empty()) {
      if (schedule.after == name) {
        r.error("after", "a job cannot run after itself");
      } else if (!jobs.count(schedule.after)) {
        auto hint = text::closest(schedule.after, names);
        r.error("after", "unknown job \"" + schedule.after + "\"" + (hint ? " (did you mean \"" + *hint + "\"?)" : "") +
                             "; jobs: " + text::join(names, ", "));
      }
    }
    r.boolean("enabled", schedule.enabled);
    r.boolean("on_start", schedule.on_start);
    if (schedule.enabled && schedule.cron.empty() && schedule.after.empty())
      section.error(name, "needs cron (a time schedule) or after (a job it follows), or enabled: false");
    r.finish();
  }

  // A chain of `after` that comes back to its start would never begin (or never end).
  for (const auto& [name, schedule] : jobs) {
    std::set<std::string> seen{name};
    std::string next = schedule.after;
    while (!next.empty() && jobs.count(next)) {
      if (!seen.insert(next).second) {
        if (next == name)
          section.error(name, "`after` makes a cycle: " + name + " runs after " + schedule.after +
                                  ", which (in turn) runs after " + name);
        break;
      }
      next = jobs.at(next).after;
    }
  }
  section.finish();
}

}  // namespace costbot::config
