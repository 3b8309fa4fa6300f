#pragma once
// Alert delivery after detection: route every open incident to the personas that want it, render
// each persona's message from its templates, and queue the outbox effects — all in one write
// transaction with the records of what was sent (alert_messages, alert_items).
//
//  - New alerts: one message per persona target. When a run has many new alerts for one persona
//    and target (alerts.grouping.min_items or more), they become one message: a summary, the top
//    items (alerts.grouping.top_items) and "N more". Critical alerts always stand alone (they can
//    escalate and carry an Acknowledge button); the web feed and PagerDuty take one item each.
//  - Updates: when an incident changes (a new finding, a higher severity, resolved, acknowledged),
//    every message that showed it is edited in place (Slack chat.update, Teams activity update,
//    the web feed's next version) — never posted again. Email cannot be edited: it is not resent.
//  - PagerDuty: trigger for new alerts at pagerduty.min_severity, resolve when the incident
//    resolves, acknowledge when someone clicks Acknowledge; dedup_key = the incident subject.
//  - Quiet hours hold an alert (nothing is queued); the next run after they end delivers it.
#include <memory>
#include <string>
#include <vector>

#include "engine/config/config.hpp"
#include "engine/render/templates.hpp"
#include "engine/storage/database.hpp"
#include "engine/util/time.hpp"

namespace costbot::alerts {

struct DeliveryReport {
  int posted = 0;     // messages queued for the first time (one per target)
  int grouped = 0;    // of which grouped messages
  int updated = 0;    // edits queued (an edit of a copy not posted yet waits for its post in the outbox)
  int held = 0;       // persona alerts held for quiet hours
  int pages = 0;      // PagerDuty events queued
  int emails = 0;
  std::vector<std::string> lines;  // what happened, one line each
  bool queued() const { return posted + updated + pages + emails > 0; }
  std::string summary() const;
};

class AlertDelivery {
 public:
  AlertDelivery(storage::Database& db, const config::Config& config, const render::Templates& templates, UnixSeconds now);
  ~AlertDelivery();

  // Routes and delivers everything due, in its own write transaction.
  DeliveryReport run();
  // Inside the caller's write transaction: edits every message about `subject` whose shown state
  // changed (after an acknowledgement), and sends PagerDuty follow-ups.
  DeliveryReport refresh(const std::string& subject);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace costbot::alerts
