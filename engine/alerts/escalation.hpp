#pragma once
// Escalation of unacknowledged alerts at alerts.escalation.min_severity (critical by default):
// after manager_after_hours the team's manager (teams[].roles.<manager_role>, else
// approvals.roles.<manager_role>) is mentioned under every message of the alert; after
// director_after_hours the director. Each step happens once per alert, however late or often the
// job runs. An acknowledgement (the Acknowledge button) stops it; so does the incident resolving.
#include <string>
#include <vector>

#include "engine/alerts/delivery.hpp"

namespace costbot::alerts {

struct EscalationReport {
  int steps = 0;     // escalation levels reached
  int notices = 0;   // messages queued (threaded replies, web items)
  std::vector<std::string> lines;
};

// In its own write transaction.
EscalationReport run_escalation(storage::Database& db, const config::Config& config, const render::Templates& templates,
                                UnixSeconds now);

// Who an escalation level mentions for a team: the team's role, else the global role.
std::vector<std::string> escalation_people(const config::Config& config, const std::string& team, const std::string& role);

// The Acknowledge button. Inside the caller's write transaction: records the first
// acknowledgement of `subject` (incident:7 / finding:12), edits every message about it, and sends
// PagerDuty's acknowledge. `message` says what happened, for the person who clicked.
struct AckOutcome {
  bool acknowledged = false;  // false: it was already acknowledged (nothing changed)
  std::string message;
  DeliveryReport report;
};
AckOutcome acknowledge(storage::Database& db, const config::Config& config, const render::Templates& templates,
                       const std::string& subject, const std::string& platform, const std::string& user_id,
                       const std::string& user_name, UnixSeconds now);

}  // namespace costbot::alerts
