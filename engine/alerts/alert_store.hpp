#pragma once
// The stored record of persona alerts (migration 0060_persona_alerts.sql): messages sent, what
// each said about each incident, acknowledgements and escalation steps. Writes happen inside the
// caller's write transaction, together with the outbox effects they describe.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/storage/database.hpp"
#include "engine/util/time.hpp"

namespace costbot::alerts {

struct MessageRecord {
  std::int64_t id = 0;
  std::string persona, channel_kind, target, subject, event, post_key;
  std::int64_t version = 1;
  UnixSeconds created_at = 0, updated_at = 0;
  bool is_group() const { return subject.rfind("alerts:", 0) == 0; }
};

struct ItemRecord {
  std::string persona, channel_kind, target, subject;
  std::int64_t message_id = 0;
  std::int64_t finding_id = 0;
  std::string state, severity;
  UnixSeconds first_delivered_at = 0, delivered_at = 0;
  std::optional<UnixSeconds> escalate_from;
};

struct AckRecord {
  std::string subject, actor_platform, actor_id, actor_name;
  UnixSeconds acked_at = 0;
  std::string who() const { return actor_name.empty() ? actor_id : actor_name; }
};

// Inserts the message (id assigned, post_key "alert:<id>:post" when left empty).
void insert_message(storage::Database& db, MessageRecord& m);
void touch_message(storage::Database& db, std::int64_t id, std::int64_t version, UnixSeconds now);
std::optional<MessageRecord> load_message(storage::Database& db, std::int64_t id);
std::vector<MessageRecord> messages_about(storage::Database& db, const std::string& subject);  // single-item messages
std::vector<MessageRecord> recent_messages(storage::Database& db, std::size_t limit);

void save_item(storage::Database& db, const ItemRecord& item);  // insert or replace by key
std::vector<ItemRecord> all_items(storage::Database& db);
std::vector<ItemRecord> items_of_message(storage::Database& db, std::int64_t message_id);
std::vector<ItemRecord> items_about(storage::Database& db, const std::string& subject);

// The first acknowledgement of `subject`: an Acknowledge click recorded here, or one recorded by
// the generic click log (chat_decisions, verb ack) when another handler took the click.
std::optional<AckRecord> ack_for(storage::Database& db, const std::string& subject);
// Records the ack; false when the subject was already acknowledged.
bool record_ack(storage::Database& db, const AckRecord& ack);

bool escalation_done(storage::Database& db, const std::string& subject, const std::string& level);
void record_escalation(storage::Database& db, const std::string& subject, const std::string& level,
                       const std::vector<std::string>& notified, UnixSeconds now);

}  // namespace costbot::alerts
