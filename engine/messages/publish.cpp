#include "engine/messages/publish.hpp"

namespace costbot::messages {

Copy post(storage::Database& db, const Address& to, const Message& message, const std::string& key, UnixSeconds now,
          const Queue& options) {
  CopyStore copies(db);
  if (auto existing = copies.find(message.subject, to); existing && existing->post_key != key) {
    redraw(db, *existing, message, key, now);
    return *existing;
  }
  auto copy = copies.plan(message.subject, to, key, now);
  enqueue(db, key, ChatPost{to, message, false, false}, now, options);
  return copy;
}

void redraw(storage::Database& db, const Copy& copy, const Message& message, const std::string& key, UnixSeconds now) {
  Queue options;
  if (!copy.landed()) options.after = copy.post_key;
  enqueue(db, key, ChatUpdate{copy.to, message}, now, options);
}

int redraw_all(storage::Database& db, const Message& message, const std::string& key, UnixSeconds now) {
  int queued = 0;
  for (const auto& copy : CopyStore(db).copies_of(message.subject)) {
    if (copy.state == CopyState::failed) continue;
    if (copy.to.channel != "slack" && copy.to.channel != "teams" && copy.to.channel != "web") continue;
    redraw(db, copy, message, key + ":" + copy.to.channel + ":" + copy.to.target, now);
    ++queued;
  }
  return queued;
}

void post_in_thread(storage::Database& db, const Address& to, const Message& message, const std::string& key,
                    UnixSeconds now, bool broadcast) {
  Queue options;
  if (auto copy = CopyStore(db).find(message.subject, to); copy && !copy->landed()) options.after = copy->post_key;
  enqueue(db, key, ChatPost{to, message, true, broadcast}, now, options);
}

}  // namespace costbot::messages
