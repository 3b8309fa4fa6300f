#pragma once
// Outbox deliveries of teams.* effects:
//   teams.send_activity    {conversation, activity, service_url?, reply_to_id?, subject?, version?}
//                          → Bot Connector POST (a reply when reply_to_id is set), or an incoming
//                          webhook when conversation is "webhook:NAME" (bot-only actions removed).
//                          A first post with a subject is recorded in posted_messages (with its
//                          service_url) so later changes edit it in place.
//   teams.update_activity  {conversation, activity_id, activity, service_url?, subject?, version?}
//                          → Bot Connector PUT; an update older than one already delivered to the
//                          same message is skipped. Webhook copies cannot be edited (skipped).
//   teams.run_command      {text, conversation, service_url, reply_to_id, user_id, user_name, tenant_id}
//                          → a chat command that may be slow, run here; its answer is queued as
//                          teams.send_activity.
// Retries, 429 / Retry-After and permanent failures are the outbox worker's (http::RemoteError).
#include <memory>

#include "adapters/teams/connector.hpp"

namespace costbot::service {
class Service;
}

namespace costbot::teams_app {

void register_deliveries(service::Service& service, const std::shared_ptr<teams::Connector>& connector);

}  // namespace costbot::teams_app
