#pragma once
// Redraws one message everywhere it was posted after a click: every copy of the subject
// (messages::CopyStore: Slack, Teams, the web feed), plus the message the click came from when
// nobody had recorded it (it becomes a copy). An ephemeral Slack message, which chat.update cannot
// edit, is replaced through its response_url. Call inside the transaction that changed the state.
#include <string>

#include "engine/chat/action.hpp"
#include "engine/chat/reply.hpp"
#include "engine/storage/database.hpp"
#include "engine/util/time.hpp"

namespace costbot::actions {

struct UpdateCount {
  int queued = 0;
};

// `key` makes the effects' idempotency keys ("decision:12" → "decision:12:slack:C1").
UpdateCount enqueue_message_update(storage::Database& db, const std::string& subject, const chat::Reply& message,
                                   const chat::MessageRef& origin, const std::string& response_url,
                                   const std::string& key, UnixSeconds now);

// A note to the person who acted (a refusal, details): Slack: ephemeral, through response_url when
// the click has one; Teams and web answer in their own way (not here).
void enqueue_reply_to_actor(storage::Database& db, const chat::ChatAction& action, const chat::Reply& reply,
                            const std::string& key, UnixSeconds now);

}  // namespace costbot::actions
