#pragma once
// Approvals and tickets in the running service, wired once by install():
//
//   clicks    every chat::ChatAction (Slack buttons and the reject-reason modal, Teams and web
//             channel actions) on an "approval:<id>[:<stage>]" subject goes to
//             approvals::Approvals::decide; "Not an anomaly" on "finding:<id>" / "incident:<id>" is
//             detection feedback. Everything else goes on to the handler that was in place.
//   commands  approvals [mine], request ticket FINDING_ID (approve / reject reach the same
//             handler through bot/service/decision_commands)
//   effects   ticket.create, ticket.comment, ticket.transition (engine/messages: Jira Cloud when
//             configured, else the local ticket outbox), detect.feedback, detect.incident_status
//   route     POST /jira/webhook (X-Hub-Signature or ?token=, see adapters/jira/webhook.hpp)
#include <string>

namespace costbot::service {
class Service;
}

namespace costbot::approvals_app {

// templates_root: the templates/ directory (messages, ticket bodies, comments).
void install(service::Service& service, const std::string& templates_root);

}  // namespace costbot::approvals_app
