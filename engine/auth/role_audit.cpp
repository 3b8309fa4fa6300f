#include "engine/auth/role_audit.hpp"

#include <set>

#include "engine/audit/audit.hpp"

namespace costbot::auth {

RoleChanges record_role_changes(storage::Database& db, const std::vector<std::pair<std::string, std::string>>& assignments,
                                const std::string& source, UnixSeconds now) {
  using Pair = std::pair<std::string, std::string>;
  const std::set<Pair> wanted(assignments.begin(), assignments.end());
  RoleChanges changes;
  auto tx = db.begin_write();
  std::set<Pair> stored;
  {
    SQLite::Statement q(db.sql(), "SELECT role, member FROM access_assignments");
    while (q.executeStep()) stored.insert({q.getColumn(0).getString(), q.getColumn(1).getString()});
  }
  for (const auto& [role, member] : wanted) {
    if (stored.count({role, member})) continue;
    SQLite::Statement ins(db.sql(), "INSERT INTO access_assignments(role, member) VALUES (?, ?)");
    ins.bind(1, role);
    ins.bind(2, member);
    ins.exec();
    audit::append(db, {"config", "role.granted", "role:" + role, {{"member", member}, {"source", source}}}, now);
    ++changes.granted;
  }
  for (const auto& [role, member] : stored) {
    if (wanted.count({role, member})) continue;
    SQLite::Statement del(db.sql(), "DELETE FROM access_assignments WHERE role = ? AND member = ?");
    del.bind(1, role);
    del.bind(2, member);
    del.exec();
    audit::append(db, {"config", "role.revoked", "role:" + role, {{"member", member}, {"source", source}}}, now);
    ++changes.revoked;
  }
  tx.commit();
  return changes;
}

}  // namespace costbot::auth
