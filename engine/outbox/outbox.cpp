#include "engine/outbox/outbox.hpp"

namespace costbot::outbox {

std::int64_t enqueue(storage::Database& db, const Effect& effect, UnixSeconds now) {
  SQLite::Statement ins(db.sql(),
                        "INSERT INTO outbox(kind, idempotency_key, payload, next_attempt_at, created_at, after_key) "
                        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(idempotency_key) DO NOTHING");
  ins.bind(1, effect.kind);
  ins.bind(2, effect.idempotency_key);
  ins.bind(3, boost::json::serialize(effect.payload));
  ins.bind(4, static_cast<std::int64_t>(std::max(now, effect.not_before)));
  ins.bind(5, static_cast<std::int64_t>(now));
  if (effect.after.empty()) ins.bind(6);
  else ins.bind(6, effect.after);
  ins.exec();
  SQLite::Statement q(db.sql(), "SELECT id FROM outbox WHERE idempotency_key = ?");
  q.bind(1, effect.idempotency_key);
  q.executeStep();
  return q.getColumn(0).getInt64();
}

std::optional<Item> claim(storage::Database& db, UnixSeconds now, std::int64_t lease_seconds,
                          const std::vector<std::string>& kinds) {
  auto tx = db.begin_write();
  std::string sql =
      "SELECT id, kind, idempotency_key, payload, attempts, created_at FROM outbox "
      "WHERE ((status = 'pending' AND next_attempt_at <= ?1) OR (status = 'in_flight' AND lease_until <= ?1)) "
      "AND (after_key IS NULL OR NOT EXISTS (SELECT 1 FROM outbox prior WHERE prior.idempotency_key = outbox.after_key "
      "AND prior.status IN ('pending', 'in_flight')))";
  if (!kinds.empty()) {
    sql += " AND kind IN (";
    for (std::size_t i = 0; i < kinds.size(); ++i) sql += (i ? ",?" : "?") + std::to_string(i + 2);
    sql += ")";
  }
  sql += " ORDER BY next_attempt_at, id LIMIT 1";
  SQLite::Statement q(db.sql(), sql);
  q.bind(1, static_cast<std::int64_t>(now));
  for (std::size_t i = 0; i < kinds.size(); ++i) q.bind(static_cast<int>(i + 2), kinds[i]);
  if (!q.executeStep()) return std::nullopt;
  Item item;
  item.id = q.getColumn(0).getInt64();
  item.kind = q.getColumn(1).getString();
  item.idempotency_key = q.getColumn(2).getString();
  auto parsed = boost::json::parse(q.getColumn(3).getString());
  if (parsed.is_object()) item.payload = parsed.as_object();
  item.attempts = q.getColumn(4).getInt() + 1;
  item.created_at = q.getColumn(5).getInt64();
  q.reset();
  SQLite::Statement upd(db.sql(),
                        "UPDATE outbox SET status = 'in_flight', attempts = attempts + 1, lease_until = ? WHERE id = ?");
  upd.bind(1, static_cast<std::int64_t>(now + lease_seconds));
  upd.bind(2, item.id);
  upd.exec();
  tx.commit();
  return item;
}

void complete(storage::Database& db, std::int64_t id, const boost::json::value& result, UnixSeconds now) {
  SQLite::Statement upd(db.sql(),
                        "UPDATE outbox SET status = 'done', result = ?, done_at = ?, lease_until = NULL, last_error = '' "
                        "WHERE id = ?");
  upd.bind(1, boost::json::serialize(result));
  upd.bind(2, static_cast<std::int64_t>(now));
  upd.bind(3, id);
  upd.exec();
}

void retry_later(storage::Database& db, std::int64_t id, UnixSeconds next_attempt_at, const std::string& error) {
  SQLite::Statement upd(db.sql(),
                        "UPDATE outbox SET status = 'pending', next_attempt_at = ?, lease_until = NULL, last_error = ? "
                        "WHERE id = ?");
  upd.bind(1, static_cast<std::int64_t>(next_attempt_at));
  upd.bind(2, error);
  upd.bind(3, id);
  upd.exec();
}

void fail(storage::Database& db, std::int64_t id, const std::string& error, UnixSeconds now) {
  SQLite::Statement upd(db.sql(),
                        "UPDATE outbox SET status = 'failed', last_error = ?, done_at = ?, lease_until = NULL WHERE id = ?");
  upd.bind(1, error);
  upd.bind(2, static_cast<std::int64_t>(now));
  upd.bind(3, id);
  upd.exec();
}

Stats stats(storage::Database& db) {
  Stats s;
  SQLite::Statement q(db.sql(), "SELECT status, COUNT(*), SUM(MAX(attempts - 1, 0)) FROM outbox GROUP BY status");
  while (q.executeStep()) {
    auto status = q.getColumn(0).getString();
    auto n = q.getColumn(1).getInt64();
    s.retries += q.getColumn(2).getInt64();
    if (status == "pending") s.pending = n;
    else if (status == "in_flight") s.in_flight = n;
    else if (status == "done") s.done = n;
    else if (status == "failed") s.failed = n;
  }
  return s;
}

std::optional<boost::json::value> result_of(storage::Database& db, const std::string& key) {
  SQLite::Statement q(db.sql(), "SELECT result FROM outbox WHERE idempotency_key = ? AND status = 'done'");
  q.bind(1, key);
  if (!q.executeStep() || q.getColumn(0).isNull()) return std::nullopt;
  return boost::json::parse(q.getColumn(0).getString());
}

std::optional<std::string> status_of(storage::Database& db, const std::string& key) {
  SQLite::Statement q(db.sql(), "SELECT status FROM outbox WHERE idempotency_key = ?");
  q.bind(1, key);
  if (!q.executeStep()) return std::nullopt;
  return q.getColumn(0).getString();
}

std::int64_t last_id(storage::Database& db) {
  return db.sql().execAndGet("SELECT COALESCE(MAX(id), 0) FROM outbox").getInt64();
}

std::vector<Item> queued_after(storage::Database& db, std::int64_t after_id, const std::string& kind) {
  SQLite::Statement q(db.sql(),
                      "SELECT id, kind, idempotency_key, payload, attempts, created_at FROM outbox WHERE id > ? AND kind = ? "
                      "ORDER BY id DESC");
  q.bind(1, after_id);
  q.bind(2, kind);
  std::vector<Item> out;
  while (q.executeStep()) {
    Item item;
    item.id = q.getColumn(0).getInt64();
    item.kind = q.getColumn(1).getString();
    item.idempotency_key = q.getColumn(2).getString();
    boost::system::error_code ec;
    auto parsed = boost::json::parse(q.getColumn(3).getString(), ec);
    if (!ec && parsed.is_object()) item.payload = parsed.as_object();
    item.attempts = q.getColumn(4).getInt();
    item.created_at = q.getColumn(5).getInt64();
    out.push_back(std::move(item));
  }
  return out;
}

}  // namespace costbot::outbox
