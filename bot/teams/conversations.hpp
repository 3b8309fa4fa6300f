#pragma once
// Conversation references (migration 0037): every authenticated activity from Teams records where
// its conversation lives (serviceUrl, tenant, type, names), so proactive posts can reach every
// chat and channel the bot was added to, and a later post uses the serviceUrl Teams last gave.
//
// How a conversation is named wherever config or effects want a Teams destination
// (teams[].teams_conversation, approvals.teams_conversation, the "conversation" of a
// teams.post effect):
//   "webhook:NAME"      → the incoming webhook msteams.incoming_webhooks.NAME (post only, no edits)
//   NAME                → msteams.conversations.NAME (its id, and its service_url if set)
//   anything else       → a conversation id as Teams gives it ("19:...@thread.tacv2", "a:...")
// The serviceUrl is the effect's own, else the captured one, else the configured one, else
// msteams.default_service_url. `costbot msteams conversations` lists what was captured.
#include <optional>
#include <string>
#include <vector>

#include "adapters/teams/activity.hpp"
#include "engine/config/config.hpp"
#include "engine/storage/database.hpp"
#include "engine/util/time.hpp"

namespace costbot::teams_app {

struct ConversationRef {
  std::string conversation_id;
  std::string service_url;
  std::string tenant_id;
  std::string conversation_type;
  std::string name;
  std::string team_id, team_name, channel_id;
  std::string bot_id;
  std::string user_id, user_name;
  bool installed = true;
  UnixSeconds first_seen = 0, last_seen = 0;
  std::string last_activity;
};

// Upserts the activity's conversation (call inside the caller's write transaction).
void remember(storage::Database& db, const teams::Activity& activity, UnixSeconds now);
std::optional<ConversationRef> find(storage::Database& db, const std::string& conversation_id);
std::vector<ConversationRef> list(storage::Database& db);

struct Destination {
  bool webhook = false;
  std::string webhook_name;     // webhook: the msteams.incoming_webhooks entry
  std::string conversation_id;  // connector: where to post
  std::string service_url;
};
// Resolves a conversation reference (see above). Throws Error(invalid_input) for an unknown webhook name.
Destination resolve(storage::Database& db, const config::MsTeamsConfig& config, const std::string& reference,
                    const std::string& service_url_hint = {});

}  // namespace costbot::teams_app
