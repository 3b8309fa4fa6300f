// Delegation: an approver names someone to decide for them during a period. Stored, audited, and
// consulted at decision time (never copied into requests), so revoking takes effect at once.
#include "engine/approvals/internal.hpp"
#include "engine/audit/audit.hpp"
#include "engine/util/error.hpp"
#include "engine/util/strings.hpp"

namespace costbot::approvals {

std::int64_t Approvals::delegate(storage::Database& db, const Delegation& d, UnixSeconds now) const {
  std::string from(text::trim(d.delegator)), to(text::trim(d.delegate));
  if (from.empty() || to.empty()) throw invalid_input("a delegation needs both the approver and the delegate");
  if (from == to) throw invalid_input("an approver cannot delegate to themselves");
  if (d.ends_at <= d.starts_at) throw invalid_input("a delegation must end after it starts");
  if (d.ends_at <= now) throw invalid_input("a delegation must end in the future");
  if (from == "system" || to == "system" || from == "costbot" || to == "costbot")
    throw invalid_input("\"system\" and \"costbot\" are reserved and cannot take part in a delegation");
  auto tx = db.begin_write();
  SQLite::Statement ins(db.sql(),
                        "INSERT INTO approval_delegations(delegator, delegate, starts_at, ends_at, reason, created_by, "
                        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
  ins.bind(1, from);
  ins.bind(2, to);
  ins.bind(3, static_cast<std::int64_t>(d.starts_at));
  ins.bind(4, static_cast<std::int64_t>(d.ends_at));
  ins.bind(5, d.reason);
  ins.bind(6, d.created_by.empty() ? from : d.created_by);
  ins.bind(7, static_cast<std::int64_t>(now));
  ins.exec();
  std::int64_t id = db.sql().getLastInsertRowid();
  audit::append(db,
                {d.created_by.empty() ? from : d.created_by, "delegation.created", "delegation:" + std::to_string(id),
                 {{"delegator", from},
                  {"delegate", to},
                  {"starts_at", format_instant(d.starts_at)},
                  {"ends_at", format_instant(d.ends_at)},
                  {"reason", d.reason}}},
                now);
  tx.commit();
  return id;
}

void Approvals::revoke_delegation(storage::Database& db, std::int64_t id, const std::string& actor, UnixSeconds now) const {
  auto tx = db.begin_write();
  SQLite::Statement q(db.sql(), "SELECT revoked_at FROM approval_delegations WHERE id = ?");
  q.bind(1, id);
  if (!q.executeStep()) throw not_found("there is no delegation " + std::to_string(id));
  if (!q.getColumn(0).isNull()) return;  // already revoked: nothing to do
  q.reset();
  SQLite::Statement upd(db.sql(), "UPDATE approval_delegations SET revoked_at = ?, revoked_by = ? WHERE id = ?");
  upd.bind(1, static_cast<std::int64_t>(now));
  upd.bind(2, actor);
  upd.bind(3, id);
  upd.exec();
  audit::append(db, {actor, "delegation.revoked", "delegation:" + std::to_string(id), {}}, now);
  tx.commit();
}

}  // namespace costbot::approvals
