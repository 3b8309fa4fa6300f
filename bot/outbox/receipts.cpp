#include "bot/outbox/receipts.hpp"

namespace costbot::outbox {

std::optional<boost::json::object> receipt_for(storage::Database& db, const std::string& key) {
  SQLite::Statement q(db.sql(), "SELECT receipt FROM effect_receipts WHERE idempotency_key = ?");
  q.bind(1, key);
  if (!q.executeStep()) return std::nullopt;
  boost::system::error_code ec;
  auto value = boost::json::parse(q.getColumn(0).getString(), ec);
  if (ec || !value.is_object()) return boost::json::object{};
  return std::move(value.as_object());
}

void record_receipt(storage::Database& db, const std::string& key, const boost::json::object& receipt, UnixSeconds now) {
  SQLite::Statement ins(db.sql(),
                        "INSERT INTO effect_receipts(idempotency_key, receipt, created_at) VALUES (?, ?, ?) "
                        "ON CONFLICT(idempotency_key) DO NOTHING");
  ins.bind(1, key);
  ins.bind(2, boost::json::serialize(receipt));
  ins.bind(3, static_cast<std::int64_t>(now));
  ins.exec();
}

}  // namespace costbot::outbox
