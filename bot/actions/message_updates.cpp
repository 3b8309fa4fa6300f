#include "bot/actions/message_updates.hpp"

#include "adapters/teams/activity.hpp"
#include "engine/messages/copies.hpp"
#include "engine/messages/publish.hpp"

namespace costbot::actions {

UpdateCount enqueue_message_update(storage::Database& db, const std::string& subject, const chat::Reply& message,
                                   const chat::MessageRef& origin, const std::string& response_url,
                                   const std::string& key, UnixSeconds now) {
  UpdateCount count;
  messages::CopyStore copies(db);
  // The clicked message: a copy already, or recorded as one now (a message drawn by another part).
  if (!origin.channel.empty() && !origin.message_id.empty() && !origin.ephemeral) {
    if (origin.platform == "slack" && !copies.find_landed("slack", origin.channel, origin.message_id))
      copies.adopt(subject, {"slack", origin.channel}, origin.channel, origin.message_id, "", now);
    if (origin.platform == "teams") {
      // A click inside a channel thread names the conversation with ";messageid=": record the channel's.
      auto conversation = teams::base_conversation_id(origin.channel);
      if (!copies.find_landed("teams", conversation, origin.message_id))
        copies.adopt(subject, {"teams", conversation}, conversation, origin.message_id, "", now);
    }
  }
  const auto redrawn = messages::reply_message(subject, message, copies.next_version(subject));
  count.queued = messages::redraw_all(db, redrawn, key, now);
  if (origin.platform == "slack" && origin.ephemeral && !response_url.empty()) {
    messages::ChatReply replace;
    replace.channel = "slack";
    replace.response_url = response_url;
    replace.replace_original = true;
    replace.reply = message;
    messages::enqueue(db, key + ":replace:slack:" + origin.channel + ":" + origin.message_id, replace, now);
    ++count.queued;
  }
  return count;
}

void enqueue_reply_to_actor(storage::Database& db, const chat::ChatAction& action, const chat::Reply& reply,
                            const std::string& key, UnixSeconds now) {
  if (action.actor.platform != "slack") return;
  messages::ChatReply note;
  note.channel = "slack";
  note.reply = reply;
  note.reply.visibility = chat::Visibility::ephemeral;
  note.response_url = action.response_url;
  if (note.response_url.empty()) {
    if (action.message.channel.empty()) return;
    note.conversation = action.message.channel;
    note.user = action.actor.user_id;
  }
  messages::enqueue(db, key, note, now);
}

}  // namespace costbot::actions
