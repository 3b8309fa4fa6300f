#pragma once
// Tickets follow their incidents. A ticket opened for a finding (approval request with a detection
// finding id, "F42") watches the incident the finding belongs to; when the incident changes
// (severity, more findings, a later day, peak impact, resolved/dismissed) a jira.add_comment
// effect describes the change (jira.comment_on_incident_change), and when it resolves a
// jira.transition effect moves the ticket to done (jira.transition_on_resolve) unless it is done
// already. A change that came from the ticket itself (resolved by "ticket KEY done") is not
// commented back.
//
// Runs as the scheduler job `ticket_sync` (after detect, and on its own timer). Each ticket's step
// is one write transaction: the new state and the effects together. Running it twice changes
// nothing the second time.
#include <string>
#include <vector>

#include "engine/config/config.hpp"
#include "engine/render/templates.hpp"
#include "engine/storage/database.hpp"
#include "engine/util/time.hpp"

namespace costbot::tickets {

inline const std::string kIncidentCommentTemplate = "jira/approver/incident_comment.json";

struct SyncReport {
  int tickets = 0;       // tickets that follow an incident
  int comments = 0;      // jira.add_comment effects queued
  int transitions = 0;   // jira.transition effects queued
  std::vector<std::string> lines;
};

SyncReport sync_ticket_incidents(storage::Database& db, const config::Config& config, const render::Templates& templates,
                                 UnixSeconds now);

}  // namespace costbot::tickets
