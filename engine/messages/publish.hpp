#pragma once
// What producers call, inside the transaction of the change, to send messages: post a message to
// an address (its copy of record there), redraw copies, reply in a copy's thread. Each queues the
// typed effect in the outbox and keeps message_copies in step; the channel's delivery handler does
// the rest.
#include <string>

#include "engine/messages/copies.hpp"
#include "engine/messages/message.hpp"

namespace costbot::messages {

// Posts `message` to `to` as the subject's copy of record there. When the subject already has a
// copy at `to`, that copy is redrawn instead: a message is never posted twice to one place.
Copy post(storage::Database& db, const Address& to, const Message& message, const std::string& key, UnixSeconds now,
          const Queue& options = {});

// Redraws one copy with `message` (its version decides: a copy showing a newer one is left alone).
// The edit waits in the outbox for the copy's first post.
void redraw(storage::Database& db, const Copy& copy, const Message& message, const std::string& key, UnixSeconds now);

// Redraws every copy of message.subject on a chat channel (slack, teams, web); returns how many.
// Keys are "<key>:<channel>:<target>".
int redraw_all(storage::Database& db, const Message& message, const std::string& key, UnixSeconds now);

// A reply under the subject's copy at `to` (a reminder, an escalation): in its thread when the
// copy exists (after its first post), else a plain post to `to`. Never recorded as a copy.
void post_in_thread(storage::Database& db, const Address& to, const Message& message, const std::string& key,
                    UnixSeconds now, bool broadcast = false);

}  // namespace costbot::messages
