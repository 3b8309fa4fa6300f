#include "engine/alerts/subscriptions.hpp"

#include "engine/audit/audit.hpp"

namespace costbot::alerts {

std::vector<Subscriber> subscribers(storage::Database& db, const std::string& persona) {
  SQLite::Statement q(db.sql(),
                      "SELECT platform, user_id, user_name, channel FROM chat_subscriptions WHERE persona = ? "
                      "ORDER BY created_at, platform, user_id");
  q.bind(1, persona);
  std::vector<Subscriber> out;
  while (q.executeStep())
    out.push_back({q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getString(), q.getColumn(3).getString()});
  return out;
}

void subscribe(storage::Database& db, const NewSubscription& s, UnixSeconds now) {
  SQLite::Statement ins(db.sql(),
                        "INSERT INTO chat_subscriptions(platform, user_id, persona, user_name, channel, workspace, created_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(platform, user_id, persona) DO UPDATE SET "
                        "user_name = excluded.user_name, channel = excluded.channel, workspace = excluded.workspace");
  ins.bind(1, s.platform);
  ins.bind(2, s.user_id);
  ins.bind(3, s.persona);
  ins.bind(4, s.user_name);
  ins.bind(5, s.channel);
  ins.bind(6, s.workspace);
  ins.bind(7, static_cast<std::int64_t>(now));
  auto tx = db.begin_write();
  ins.exec();
  audit::append(db,
                {s.user_id, "subscription.add", "subscription:" + s.platform + ":" + s.user_id,
                 {{"persona", s.persona}, {"channel", s.channel}, {"platform", s.platform}}},
                now);
  tx.commit();
}

int unsubscribe(storage::Database& db, const std::string& platform, const std::string& user_id,
                const std::string& persona, UnixSeconds now) {
  SQLite::Statement del(db.sql(), persona.empty()
                                      ? "DELETE FROM chat_subscriptions WHERE platform = ? AND user_id = ?"
                                      : "DELETE FROM chat_subscriptions WHERE platform = ? AND user_id = ? AND persona = ?");
  del.bind(1, platform);
  del.bind(2, user_id);
  if (!persona.empty()) del.bind(3, persona);
  auto tx = db.begin_write();
  int removed = del.exec();
  if (removed > 0)
    audit::append(db,
                  {user_id, "subscription.remove", "subscription:" + platform + ":" + user_id,
                   {{"persona", persona.empty() ? std::string("*") : persona}, {"removed", removed}}},
                  now);
  tx.commit();
  return removed;
}

}  // namespace costbot::alerts
