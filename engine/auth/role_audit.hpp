#pragma once
// Role changes are audited: roles come from config, so a change shows when `serve` starts with a
// config that grants or revokes something. The assignments in force are kept (access_assignments);
// every difference is written to the audit log (role.granted / role.revoked, actor "config") in
// the same transaction that updates them.
#include <string>
#include <utility>
#include <vector>

#include "engine/storage/database.hpp"
#include "engine/util/time.hpp"

namespace costbot::auth {

struct RoleChanges {
  int granted = 0;
  int revoked = 0;
};

// `assignments`: (role, member) pairs as Authorizer::assignments() gives them.
RoleChanges record_role_changes(storage::Database& db, const std::vector<std::pair<std::string, std::string>>& assignments,
                                const std::string& source, UnixSeconds now);

}  // namespace costbot::auth
