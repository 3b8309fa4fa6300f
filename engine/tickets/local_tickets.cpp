#include "engine/tickets/local_tickets.hpp"

#include "engine/util/error.hpp"
#include "engine/util/json_fields.hpp"

namespace costbot::tickets {
namespace json = boost::json;
namespace {

// {"name": "Task"} / {"key": "FIN"} → "Task" / "FIN".
std::string named(const json::object& fields, std::string_view key, std::string_view inner) {
  auto* v = fields.if_contains(key);
  return v && v->is_object() ? json_string(v->as_object(), inner) : std::string();
}

json::value parse_or(const std::string& text, json::value fallback) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  return ec ? fallback : v;
}

const char* kColumns =
    "id, ticket_key, idempotency_label, COALESCE(request_id, 0), project, issue_type, summary, priority, labels, fields, "
    "status, status_category, created_at, updated_at";

LocalTicket read_row(SQLite::Statement& q) {
  LocalTicket t;
  t.id = q.getColumn(0).getInt64();
  t.key = q.getColumn(1).getString();
  t.idempotency_label = q.getColumn(2).getString();
  t.request_id = q.getColumn(3).getInt64();
  t.project = q.getColumn(4).getString();
  t.issue_type = q.getColumn(5).getString();
  t.summary = q.getColumn(6).getString();
  t.priority = q.getColumn(7).getString();
  auto labels = parse_or(q.getColumn(8).getString(), json::array{});
  if (labels.is_array())
    for (const auto& l : labels.as_array())
      if (l.is_string()) t.labels.emplace_back(l.as_string());
  auto fields = parse_or(q.getColumn(9).getString(), json::object{});
  if (fields.is_object()) t.fields = fields.as_object();
  t.status = q.getColumn(10).getString();
  t.status_category = q.getColumn(11).getString();
  t.created_at = q.getColumn(12).getInt64();
  t.updated_at = q.getColumn(13).getInt64();
  return t;
}

std::optional<LocalTicket> find_where(storage::Database& db, const char* where, const std::string& value) {
  SQLite::Statement q(db.sql(), std::string("SELECT ") + kColumns + " FROM local_tickets WHERE " + where + " = ?");
  q.bind(1, value);
  if (!q.executeStep()) return std::nullopt;
  return read_row(q);
}

// Inserts the event once per ref; false when the ref was there already.
bool add_event(storage::Database& db, const std::string& key, const std::string& kind, const std::string& body,
               const std::string& ref, UnixSeconds now) {
  SQLite::Statement ins(db.sql(),
                        "INSERT INTO local_ticket_events(ticket_key, kind, body, ref, created_at) VALUES (?, ?, ?, ?, ?) "
                        "ON CONFLICT(ref) DO NOTHING");
  ins.bind(1, key);
  ins.bind(2, kind);
  ins.bind(3, body);
  ins.bind(4, ref);
  ins.bind(5, static_cast<std::int64_t>(now));
  return ins.exec() > 0;
}

}  // namespace

LocalTicket create_local_ticket(storage::Database& db, const std::string& key_prefix, const std::string& label,
                                std::int64_t request_id, const json::object& create_body, UnixSeconds now, bool* created) {
  if (label.empty()) throw invalid_input("a local ticket needs an idempotency label");
  auto tx = db.begin_write();
  if (auto existing = find_where(db, "idempotency_label", label)) {
    if (created) *created = false;
    return *existing;
  }
  json::object fields;
  if (auto* f = create_body.if_contains("fields"); f && f->is_object()) fields = f->as_object();
  std::string summary = json_string(fields, "summary");
  if (summary.empty()) throw invalid_input("the ticket has no summary (fields.summary)");
  json::array labels;
  if (auto* l = fields.if_contains("labels"); l && l->is_array()) labels = l->as_array();

  // The key comes from the row id, known only after the insert: a placeholder first, unique per label.
  SQLite::Statement ins(db.sql(),
                        "INSERT INTO local_tickets(ticket_key, idempotency_label, request_id, project, issue_type, summary, "
                        "priority, labels, fields, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  ins.bind(1, "pending:" + label);
  ins.bind(2, label);
  if (request_id > 0) ins.bind(3, request_id);
  else ins.bind(3);
  ins.bind(4, named(fields, "project", "key"));
  ins.bind(5, named(fields, "issuetype", "name"));
  ins.bind(6, summary);
  ins.bind(7, named(fields, "priority", "name"));
  ins.bind(8, json::serialize(labels));
  ins.bind(9, json::serialize(fields));
  ins.bind(10, static_cast<std::int64_t>(now));
  ins.bind(11, static_cast<std::int64_t>(now));
  ins.exec();
  auto id = db.sql().getLastInsertRowid();
  SQLite::Statement key(db.sql(), "UPDATE local_tickets SET ticket_key = ? WHERE id = ?");
  key.bind(1, key_prefix + "-" + std::to_string(id));
  key.bind(2, id);
  key.exec();
  auto ticket = *find_where(db, "idempotency_label", label);
  tx.commit();
  if (created) *created = true;
  return ticket;
}

std::vector<LocalTicket> list_local_tickets(storage::Database& db, bool open_only) {
  SQLite::Statement q(db.sql(), std::string("SELECT ") + kColumns + " FROM local_tickets" +
                                    (open_only ? " WHERE status_category <> 'done'" : "") + " ORDER BY id DESC");
  std::vector<LocalTicket> out;
  while (q.executeStep()) out.push_back(read_row(q));
  return out;
}

std::optional<LocalTicket> find_local_ticket(storage::Database& db, const std::string& key) {
  auto ticket = find_where(db, "ticket_key", key);
  if (!ticket) return std::nullopt;
  SQLite::Statement q(db.sql(), "SELECT kind, body, created_at FROM local_ticket_events WHERE ticket_key = ? ORDER BY id");
  q.bind(1, key);
  while (q.executeStep())
    ticket->events.push_back({q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getInt64()});
  return ticket;
}

std::optional<LocalTicket> find_local_ticket_by_label(storage::Database& db, const std::string& label) {
  return find_where(db, "idempotency_label", label);
}

bool comment_local_ticket(storage::Database& db, const std::string& key, const json::value& adf, const std::string& ref,
                          UnixSeconds now) {
  auto tx = db.begin_write();
  if (!find_where(db, "ticket_key", key)) throw not_found("there is no local ticket " + key);
  bool added = add_event(db, key, "comment", json::serialize(adf), ref, now);
  if (added) {
    SQLite::Statement upd(db.sql(), "UPDATE local_tickets SET updated_at = ? WHERE ticket_key = ?");
    upd.bind(1, static_cast<std::int64_t>(now));
    upd.bind(2, key);
    upd.exec();
  }
  tx.commit();
  return added;
}

bool transition_local_ticket(storage::Database& db, const std::string& key, const std::string& status,
                             const std::string& category, const std::string& ref, UnixSeconds now) {
  if (category != "new" && category != "indeterminate" && category != "done")
    throw invalid_input("a status category is new, indeterminate or done, not \"" + category + "\"");
  auto tx = db.begin_write();
  auto ticket = find_where(db, "ticket_key", key);
  if (!ticket) throw not_found("there is no local ticket " + key);
  bool added = add_event(db, key, "transition", ticket->status + " -> " + status, ref, now);
  if (added) {
    SQLite::Statement upd(db.sql(),
                          "UPDATE local_tickets SET status = ?, status_category = ?, updated_at = ? WHERE ticket_key = ?");
    upd.bind(1, status);
    upd.bind(2, category);
    upd.bind(3, static_cast<std::int64_t>(now));
    upd.bind(4, key);
    upd.exec();
  }
  tx.commit();
  return added;
}

}  // namespace costbot::tickets
