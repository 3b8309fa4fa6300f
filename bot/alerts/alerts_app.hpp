#pragma once
// Persona alerts in the running service (`costbot serve`):
//   - `subscribe PERSONA` / `unsubscribe [PERSONA]` for every chat adapter (the shared grammar),
//     checked against the configured personas and stored per user (chat_subscriptions);
//   - the Acknowledge button (ChatAction verb ack on incident:<id> / finding:<id>): stops the
//     escalation, edits every copy of the alert, acknowledges the PagerDuty alert; every other
//     click goes on to the handler that was installed before;
//   - outbox deliveries of pagerduty.event (Events API v2) and email.send (SMTP).
// The scheduled parts (alerts after detect, digests, escalation) are scheduler jobs
// (bot/scheduler/job_alerts.cpp), so `costbot jobs run NAME` runs them the same way.
#include <string>

namespace costbot::service {
class Service;
}

namespace costbot::alerts_app {

// Call after the parts that set the action handler (it wraps the current one).
void install(service::Service& service, const std::string& templates_root);

}  // namespace costbot::alerts_app
