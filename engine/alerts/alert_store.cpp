#include "engine/alerts/alert_store.hpp"

#include <boost/json.hpp>

namespace costbot::alerts {
namespace {

MessageRecord message_from(SQLite::Statement& q) {
  MessageRecord m;
  m.id = q.getColumn(0).getInt64();
  m.persona = q.getColumn(1).getString();
  m.channel_kind = q.getColumn(2).getString();
  m.target = q.getColumn(3).getString();
  m.subject = q.getColumn(4).getString();
  m.event = q.getColumn(5).getString();
  m.post_key = q.getColumn(6).getString();
  m.version = q.getColumn(7).getInt64();
  m.created_at = q.getColumn(8).getInt64();
  m.updated_at = q.getColumn(9).getInt64();
  return m;
}

ItemRecord item_from(SQLite::Statement& q) {
  ItemRecord i;
  i.persona = q.getColumn(0).getString();
  i.channel_kind = q.getColumn(1).getString();
  i.target = q.getColumn(2).getString();
  i.subject = q.getColumn(3).getString();
  i.message_id = q.getColumn(4).getInt64();
  i.finding_id = q.getColumn(5).getInt64();
  i.state = q.getColumn(6).getString();
  i.severity = q.getColumn(7).getString();
  i.first_delivered_at = q.getColumn(8).getInt64();
  i.delivered_at = q.getColumn(9).getInt64();
  if (!q.getColumn(10).isNull()) i.escalate_from = q.getColumn(10).getInt64();
  return i;
}

constexpr const char* kMessageColumns =
    "SELECT id, persona, channel_kind, target, subject, event, post_key, version, created_at, updated_at FROM alert_messages ";
constexpr const char* kItemColumns =
    "SELECT persona, channel_kind, target, subject, message_id, finding_id, state, severity, first_delivered_at, "
    "delivered_at, escalate_from FROM alert_items ";

std::vector<ItemRecord> items_where(storage::Database& db, const std::string& where, const std::string& value) {
  SQLite::Statement q(db.sql(), std::string(kItemColumns) + where + " ORDER BY rowid");
  if (!value.empty()) q.bind(1, value);
  std::vector<ItemRecord> out;
  while (q.executeStep()) out.push_back(item_from(q));
  return out;
}

}  // namespace

void insert_message(storage::Database& db, MessageRecord& m) {
  SQLite::Statement ins(db.sql(),
                        "INSERT INTO alert_messages(persona, channel_kind, target, subject, event, post_key, version, "
                        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  ins.bind(1, m.persona);
  ins.bind(2, m.channel_kind);
  ins.bind(3, m.target);
  ins.bind(4, m.subject);
  ins.bind(5, m.event);
  ins.bind(6, m.post_key);
  ins.bind(7, m.version);
  ins.bind(8, static_cast<std::int64_t>(m.created_at));
  ins.bind(9, static_cast<std::int64_t>(m.updated_at));
  ins.exec();
  m.id = db.sql().getLastInsertRowid();
  bool changed = false;
  if (m.post_key.empty()) m.post_key = "alert:" + std::to_string(m.id) + ":post", changed = true;
  if (m.subject.empty()) m.subject = "alerts:" + std::to_string(m.id), changed = true;
  if (changed) {
    SQLite::Statement upd(db.sql(), "UPDATE alert_messages SET post_key = ?, subject = ? WHERE id = ?");
    upd.bind(1, m.post_key);
    upd.bind(2, m.subject);
    upd.bind(3, m.id);
    upd.exec();
  }
}

void touch_message(storage::Database& db, std::int64_t id, std::int64_t version, UnixSeconds now) {
  SQLite::Statement upd(db.sql(), "UPDATE alert_messages SET version = ?, updated_at = ? WHERE id = ?");
  upd.bind(1, version);
  upd.bind(2, static_cast<std::int64_t>(now));
  upd.bind(3, id);
  upd.exec();
}

std::optional<MessageRecord> load_message(storage::Database& db, std::int64_t id) {
  SQLite::Statement q(db.sql(), std::string(kMessageColumns) + "WHERE id = ?");
  q.bind(1, id);
  if (!q.executeStep()) return std::nullopt;
  return message_from(q);
}

std::vector<MessageRecord> messages_about(storage::Database& db, const std::string& subject) {
  SQLite::Statement q(db.sql(), std::string(kMessageColumns) + "WHERE subject = ? ORDER BY id");
  q.bind(1, subject);
  std::vector<MessageRecord> out;
  while (q.executeStep()) out.push_back(message_from(q));
  return out;
}

std::vector<MessageRecord> recent_messages(storage::Database& db, std::size_t limit) {
  SQLite::Statement q(db.sql(), std::string(kMessageColumns) + "ORDER BY id DESC LIMIT ?");
  q.bind(1, static_cast<std::int64_t>(limit));
  std::vector<MessageRecord> out;
  while (q.executeStep()) out.push_back(message_from(q));
  return out;
}

void save_item(storage::Database& db, const ItemRecord& i) {
  SQLite::Statement ins(db.sql(),
                        "INSERT INTO alert_items(persona, channel_kind, target, subject, message_id, finding_id, state, severity, "
                        "first_delivered_at, delivered_at, escalate_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                        "ON CONFLICT(persona, channel_kind, target, subject) DO UPDATE SET message_id = excluded.message_id, "
                        "finding_id = excluded.finding_id, state = excluded.state, severity = excluded.severity, "
                        "delivered_at = excluded.delivered_at, escalate_from = excluded.escalate_from");
  ins.bind(1, i.persona);
  ins.bind(2, i.channel_kind);
  ins.bind(3, i.target);
  ins.bind(4, i.subject);
  ins.bind(5, i.message_id);
  ins.bind(6, i.finding_id);
  ins.bind(7, i.state);
  ins.bind(8, i.severity);
  ins.bind(9, static_cast<std::int64_t>(i.first_delivered_at));
  ins.bind(10, static_cast<std::int64_t>(i.delivered_at));
  if (i.escalate_from) ins.bind(11, static_cast<std::int64_t>(*i.escalate_from));
  else ins.bind(11);
  ins.exec();
}

std::vector<ItemRecord> all_items(storage::Database& db) { return items_where(db, "", ""); }

std::vector<ItemRecord> items_of_message(storage::Database& db, std::int64_t message_id) {
  return items_where(db, "WHERE message_id = ?", std::to_string(message_id));
}

std::vector<ItemRecord> items_about(storage::Database& db, const std::string& subject) {
  return items_where(db, "WHERE subject = ?", subject);
}

std::optional<AckRecord> ack_for(storage::Database& db, const std::string& subject) {
  SQLite::Statement q(db.sql(),
                      "SELECT actor_platform, actor_id, actor_name, acked_at FROM alert_acks WHERE subject = ?1 "
                      "UNION ALL SELECT actor_platform, actor_id, actor_name, created_at FROM chat_decisions "
                      "WHERE subject = ?1 AND verb = 'ack' ORDER BY 4 LIMIT 1");
  q.bind(1, subject);
  if (!q.executeStep()) return std::nullopt;
  return AckRecord{subject, q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getString(),
                   q.getColumn(3).getInt64()};
}

bool record_ack(storage::Database& db, const AckRecord& a) {
  if (ack_for(db, a.subject)) return false;
  SQLite::Statement ins(db.sql(),
                        "INSERT INTO alert_acks(subject, actor_platform, actor_id, actor_name, acked_at) VALUES (?, ?, ?, ?, ?) "
                        "ON CONFLICT(subject) DO NOTHING");
  ins.bind(1, a.subject);
  ins.bind(2, a.actor_platform);
  ins.bind(3, a.actor_id);
  ins.bind(4, a.actor_name);
  ins.bind(5, static_cast<std::int64_t>(a.acked_at));
  return ins.exec() > 0;
}

bool escalation_done(storage::Database& db, const std::string& subject, const std::string& level) {
  SQLite::Statement q(db.sql(), "SELECT 1 FROM alert_escalations WHERE subject = ? AND level = ?");
  q.bind(1, subject);
  q.bind(2, level);
  return q.executeStep();
}

void record_escalation(storage::Database& db, const std::string& subject, const std::string& level,
                       const std::vector<std::string>& notified, UnixSeconds now) {
  boost::json::array people;
  for (const auto& p : notified) people.push_back(boost::json::value(p));
  SQLite::Statement ins(db.sql(),
                        "INSERT INTO alert_escalations(subject, level, notified, at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING");
  ins.bind(1, subject);
  ins.bind(2, level);
  ins.bind(3, boost::json::serialize(people));
  ins.bind(4, static_cast<std::int64_t>(now));
  ins.exec();
}

}  // namespace costbot::alerts
