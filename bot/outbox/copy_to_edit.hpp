#pragma once
// The first step of every channel's ChatUpdate delivery: the copy of record the update edits.
#include "bot/outbox/worker.hpp"
#include "engine/messages/copies.hpp"
#include "engine/messages/message.hpp"

namespace costbot::outbox {

// Throws a permanent DeliveryError when there is nothing to edit: no copy recorded, or its first
// post failed. Whether it has landed yet is the channel's to check (a Teams webhook copy never does).
inline messages::Copy copy_to_edit(messages::CopyStore& copies, const messages::ChatUpdate& update) {
  auto copy = copies.find(update.message.subject, update.to);
  if (!copy) throw DeliveryError("no copy of " + update.message.subject + " at " + update.to.text() + " to edit", false);
  if (copy->state == messages::CopyState::failed)
    throw DeliveryError("the first post of " + update.message.subject + " to " + update.to.target + " failed", false);
  return *copy;
}

}  // namespace costbot::outbox
