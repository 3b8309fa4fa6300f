#pragma once
// The Teams delivery handlers of the one message model (engine/messages):
//   teams.post    a ChatPost → Bot Connector POST (a reply in the thread of the subject's copy when
//                 in_thread), or an incoming webhook when the conversation is "webhook:NAME" (bot-only
//                 actions removed); the copy is recorded with its activity id and serviceUrl.
//   teams.update  a ChatUpdate → Bot Connector PUT of the copy's activity; skipped when the copy shows
//                 a newer version; webhook copies cannot be edited (skipped).
//   teams.reply   a ChatReply → a message activity into the conversation, in reply to `thread`.
// Retries, 429 / Retry-After and permanent failures are the outbox worker's (http::RemoteError).
#include <memory>

#include "adapters/teams/connector.hpp"

namespace costbot::service {
class Service;
}

namespace costbot::teams_app {

void register_deliveries(service::Service& service, const std::shared_ptr<teams::Connector>& connector);

}  // namespace costbot::teams_app
