#pragma once
// Queues the edits that redraw one message everywhere it was posted: every copy recorded in
// posted_messages for the subject, plus the message the click came from. Slack copies become
// slack.update_message effects (an ephemeral one, which chat.update cannot edit, a response_url
// replace); Teams copies (and a clicked Teams card) teams.update_activity effects with the message
// as an Adaptive Card. Call inside the transaction that changed the state. Web copies are left to
// their adapter (they are listed in the returned count as skipped).
#include <string>

#include "engine/chat/action.hpp"
#include "engine/chat/reply.hpp"
#include "engine/storage/database.hpp"
#include "engine/util/time.hpp"

namespace costbot::actions {

struct UpdateCount {
  int queued = 0;
  int skipped = 0;  // copies on channels with no updater here yet
};

// `key` makes the effects' idempotency keys ("decision:12" → "decision:12:update:slack:C1:123.45").
UpdateCount enqueue_message_update(storage::Database& db, const std::string& subject, const chat::Reply& message,
                                   const chat::MessageRef& origin, const std::string& response_url,
                                   const std::string& key, UnixSeconds now);

// An ephemeral note to one person about a message (a refusal, details).
void enqueue_reply_to_actor(storage::Database& db, const chat::ChatAction& action, const chat::Reply& reply,
                            const std::string& key, UnixSeconds now);

}  // namespace costbot::actions
