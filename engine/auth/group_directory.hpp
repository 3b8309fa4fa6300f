#pragma once
// Who is in a chat platform's user group, for roles given to a group (access.roles members
// "slack_group:S0123ABCD" or "slack_group:@finops"). An adapter implements it against the
// platform's API (adapters/slack/user_groups) and caches answers; the Authorizer only asks.
#include <optional>
#include <string>
#include <vector>

namespace costbot::auth {

class GroupDirectory {
 public:
  virtual ~GroupDirectory() = default;
  // The user ids in `group` (what follows "slack_group:"), or nullopt when that cannot be known
  // now (the API unreachable or refusing, an unknown group): then nobody holds the group's roles.
  // Called from many threads at once.
  virtual std::optional<std::vector<std::string>> members(const std::string& group) const = 0;
};

}  // namespace costbot::auth
