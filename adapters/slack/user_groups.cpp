#include "adapters/slack/user_groups.hpp"

#include <spdlog/spdlog.h>

#include "engine/util/error.hpp"

namespace costbot::slack {
namespace json = boost::json;

UserGroups::UserGroups(std::shared_ptr<WebApi> api, const Clock& clock, std::int64_t ttl_seconds,
                       std::int64_t retry_after_seconds)
    : api_(std::move(api)), clock_(clock), ttl_(ttl_seconds), retry_after_(retry_after_seconds) {}

std::string UserGroups::id_of_handle(const std::string& handle) const {
  auto answer = api_->call_form("usergroups.list", {{"include_disabled", "false"}});
  const auto* groups = answer.if_contains("usergroups");
  if (groups && groups->is_array())
    for (const auto& g : groups->as_array()) {
      if (!g.is_object()) continue;
      const auto* h = g.as_object().if_contains("handle");
      const auto* id = g.as_object().if_contains("id");
      if (h && h->is_string() && id && id->is_string() && h->as_string() == handle) return std::string(id->as_string());
    }
  throw Error(ErrorKind::not_found, "Slack has no user group with the handle @" + handle);
}

std::vector<std::string> UserGroups::fetch(const std::string& group) const {
  const std::string id = group.starts_with("@") ? id_of_handle(group.substr(1)) : group;
  auto answer = api_->call_form("usergroups.users.list", {{"usergroup", id}});
  const auto* users = answer.if_contains("users");
  if (!users || !users->is_array())
    throw Error(ErrorKind::unavailable, "Slack usergroups.users.list: answer has no users list");
  std::vector<std::string> out;
  for (const auto& u : users->as_array())
    if (u.is_string()) out.emplace_back(u.as_string());
  return out;
}

std::optional<std::vector<std::string>> UserGroups::members(const std::string& group) const {
  const auto now = clock_.now();
  {
    std::lock_guard lock(mutex_);
    if (auto it = cache_.find(group); it != cache_.end() && now < it->second.until) return it->second.users;
  }
  // Asked outside the lock: other groups (and cached answers) are not held up by this call.
  Entry entry;
  try {
    entry.users = fetch(group);
    entry.until = now + ttl_;
  } catch (const std::exception& e) {
    spdlog::warn("access: cannot read the members of Slack user group {} ({}); nobody holds its roles until Slack "
                 "answers (the bot needs the usergroups:read scope)",
                 group, e.what());
    entry.until = now + retry_after_;
  }
  std::lock_guard lock(mutex_);
  cache_[group] = entry;
  return entry.users;
}

}  // namespace costbot::slack
