#pragma once
// Microsoft Teams in the service: two inbound routes, each authenticated before anything else,
// and the outbox deliveries of teams.* effects (deliveries.hpp).
//
//   POST /teams/messages  Bot Framework activities. JWT (bot_auth.hpp) → activity → serviceUrl
//                         bound to the token → conversation reference captured → then:
//                         - a message: @mention stripped, the shared command grammar, the answer
//                           posted through the connector (outbox); slow commands run on the
//                           outbox worker (teams.run_command)
//                         - adaptiveCard/action invoke (Action.Execute) or a message carrying card
//                           data (Action.Submit): ChatAction → service.action_handler(); an invoke
//                           is answered with the refreshed card (the update the handler queued
//                           for that message), and the message is edited for everyone (PUT)
//                         - installationUpdate / conversationUpdate: reference kept, welcome card
//   POST /teams/webhook   Outgoing Webhooks (HMAC): the same grammar, answered in the response
//                         within 5 s with a card without buttons.
// Unconfigured (no msteams.app_id / TEAMS_APP_ID, no outgoing webhook secret) the routes answer
// 503 with the reason.
#include "adapters/teams/connector.hpp"

namespace costbot::config {
struct MsTeamsConfig;
}

namespace costbot::service {
class Service;
}

namespace costbot::teams_app {

void install(service::Service& service);

// How the connector gets its Bot Framework token and where it may send it, from msteams.*
// (the service and `costbot doctor` use the same).
teams::ConnectorOptions connector_options(const config::MsTeamsConfig& config);

}  // namespace costbot::teams_app
