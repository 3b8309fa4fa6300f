#pragma once
// Approval requests for detection findings: one shape of facts for both ways a finding gets a
// request — a person asking (`request ticket F42` in chat) and approvals.triggers matching its
// kind, severity and amount (the approval_triggers job, after each detection run). The request's
// finding id is "F<id>", which is how tickets find their way back to the finding and its incident.
#include <string>
#include <vector>

#include "engine/approvals/approvals.hpp"
#include "engine/detect/finding.hpp"

namespace costbot::tickets {

// "F42".
std::string finding_ref(const detect::Finding& finding);
// Kind, severity, title, team, dollar impact per month (what the tiers are in), and the facts
// messages and the ticket show (summary, resource, recommendation, chart link, ...).
approvals::FindingFacts finding_facts(const config::Config& config, const detect::Finding& finding);

struct TriggerReport {
  int examined = 0;  // open findings without a request
  int opened = 0;
  std::vector<std::string> lines;  // one per request opened or refused
};

// Applies approvals.triggers to every open finding that has no request yet.
TriggerReport open_requests_for_findings(storage::Database& db, const approvals::Approvals& approvals, UnixSeconds now);

}  // namespace costbot::tickets
