#pragma once
// Chat subscriptions (`subscribe PERSONA`, `unsubscribe [PERSONA]`): the one store of the
// chat_subscriptions table. Every change is audited in the transaction that makes it.
#include <string>
#include <vector>

#include "engine/storage/database.hpp"
#include "engine/util/time.hpp"

namespace costbot::alerts {

// A subscription, as a delivery target.
struct Subscriber {
  std::string platform, user_id, user_name, channel;
};
std::vector<Subscriber> subscribers(storage::Database& db, const std::string& persona);

struct NewSubscription {
  std::string platform, user_id, user_name, persona;
  std::string channel, workspace;  // where its messages go (a DM, a conversation)
};
// Subscribes the user to the persona, or moves an existing subscription to the new channel.
void subscribe(storage::Database& db, const NewSubscription& s, UnixSeconds now);
// Ends the user's subscription to `persona` ("" = every persona); how many ended.
int unsubscribe(storage::Database& db, const std::string& platform, const std::string& user_id,
                const std::string& persona, UnixSeconds now);

}  // namespace costbot::alerts
