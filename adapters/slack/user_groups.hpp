#pragma once
// Slack user groups as role members (access.roles: slack_group:S0614TZR7 or slack_group:@finops):
// members from usergroups.users.list (a handle is first resolved to its id with usergroups.list),
// both needing the bot scope usergroups:read. Answers are cached for `ttl` by the service's clock,
// so a membership change counts within ttl and Slack is asked at most once per group per ttl
// (usergroups.* are Tier 2 methods: about 20 calls a minute). When Slack cannot answer, nobody
// holds the group's roles (refused, never granted); the failure is logged and kept for a short
// while (`retry_after`) so a Slack outage does not make every click wait on a timeout.
#include <chrono>
#include <map>
#include <memory>
#include <mutex>

#include "adapters/slack/web_api.hpp"
#include "engine/auth/group_directory.hpp"
#include "engine/util/time.hpp"

namespace costbot::slack {

class UserGroups final : public auth::GroupDirectory {
 public:
  static constexpr std::int64_t kDefaultTtlSeconds = 300;
  static constexpr std::int64_t kRetryAfterFailureSeconds = 30;

  // `api` should have short call options (a click waits for the answer).
  UserGroups(std::shared_ptr<WebApi> api, const Clock& clock, std::int64_t ttl_seconds = kDefaultTtlSeconds,
             std::int64_t retry_after_seconds = kRetryAfterFailureSeconds);

  std::optional<std::vector<std::string>> members(const std::string& group) const override;

 private:
  struct Entry {
    std::optional<std::vector<std::string>> users;  // nullopt: the last lookup failed
    UnixSeconds until = 0;                          // good until (exclusive)
  };
  std::vector<std::string> fetch(const std::string& group) const;  // throws on any failure
  std::string id_of_handle(const std::string& handle) const;

  std::shared_ptr<WebApi> api_;
  const Clock& clock_;
  std::int64_t ttl_, retry_after_;
  mutable std::mutex mutex_;
  mutable std::map<std::string, Entry> cache_;
};

}  // namespace costbot::slack
