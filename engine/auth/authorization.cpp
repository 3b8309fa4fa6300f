#include "engine/auth/authorization.hpp"

#include <algorithm>

#include "engine/util/error.hpp"
#include "engine/util/strings.hpp"

namespace costbot::auth {

const char* to_string(Role role) {
  switch (role) {
    case Role::viewer: return "viewer";
    case Role::requester: return "requester";
    case Role::approver: return "approver";
    case Role::finops_admin: return "finops_admin";
    case Role::admin: return "admin";
  }
  return "?";
}

std::optional<Role> parse_role(std::string_view name) {
  for (auto r : all_roles())
    if (name == to_string(r)) return r;
  return std::nullopt;
}

std::vector<Role> all_roles() { return {Role::viewer, Role::requester, Role::approver, Role::finops_admin, Role::admin}; }

const char* to_string(Action action) {
  switch (action) {
    case Action::view: return "view";
    case Action::subscribe: return "subscribe";
    case Action::request_approval: return "request_approval";
    case Action::acknowledge: return "acknowledge";
    case Action::decide_approval: return "decide_approval";
    case Action::feedback: return "feedback";
    case Action::manage_planned: return "manage_planned";
    case Action::manage_budgets: return "manage_budgets";
    case Action::ticket_update: return "ticket_update";
    case Action::manage_access: return "manage_access";
  }
  return "?";
}

std::vector<Action> all_actions() {
  return {Action::view,     Action::subscribe,      Action::request_approval, Action::acknowledge,
          Action::decide_approval, Action::feedback, Action::manage_planned,  Action::manage_budgets,
          Action::ticket_update, Action::manage_access};
}

const std::vector<Role>& roles_allowed(Action action) {
  using R = Role;
  static const std::vector<Role> everyone{R::viewer, R::requester, R::approver, R::finops_admin, R::admin};
  static const std::vector<Role> requesters{R::requester, R::approver, R::finops_admin, R::admin};
  static const std::vector<Role> approvers{R::approver};
  static const std::vector<Role> finops{R::finops_admin, R::admin};
  static const std::vector<Role> admins{R::admin};
  switch (action) {
    case Action::view:
    case Action::subscribe: return everyone;
    case Action::request_approval:
    case Action::acknowledge: return requesters;
    case Action::decide_approval: return approvers;
    case Action::feedback:
    case Action::manage_planned:
    case Action::manage_budgets:
    case Action::ticket_update: return finops;
    case Action::manage_access: return admins;
  }
  return admins;
}

Authorizer::Authorizer(const config::Config& config) : config_(config) {
  auto add = [&](const std::vector<config::ApproverRef>& refs) {
    for (const auto& ref : refs)
      for (const auto& user : expand(ref.text())) workflow_approvers_.insert(user);
  };
  for (const auto& w : config.workflows)
    for (const auto& stage : w.stages) {
      add(stage.approvers);
      add(stage.fallback);
    }
}

std::vector<std::string> Authorizer::expand(const std::string& member) const {
  if (member.starts_with("group:")) {
    auto it = config_.approvals.groups.find(member.substr(6));
    return it == config_.approvals.groups.end() ? std::vector<std::string>{} : it->second;
  }
  if (member.starts_with("role:")) {
    auto name = member.substr(5);
    std::vector<std::string> out;
    if (auto it = config_.approvals.roles.find(name); it != config_.approvals.roles.end())
      out.insert(out.end(), it->second.begin(), it->second.end());
    for (const auto& t : config_.teams)
      if (auto it = t.roles.find(name); it != t.roles.end()) out.insert(out.end(), it->second.begin(), it->second.end());
    return out;
  }
  return {member};  // "*", idp_group:NAME, slack_group:..., a user id
}

bool Authorizer::member_of(const Principal& p, const std::vector<std::string>& members) const {
  for (const auto& m : members) {
    if (m == "*") {
      if (!p.user_id.empty()) return true;
      continue;
    }
    if (m.starts_with("idp_group:")) {
      auto g = m.substr(10);
      if (std::find(p.groups.begin(), p.groups.end(), g) != p.groups.end()) return true;
      continue;
    }
    if (p.user_id.empty()) continue;
    if (m.starts_with("slack_group:")) {
      if (!groups_) continue;
      auto users = groups_->members(m.substr(12));
      if (users && std::find(users->begin(), users->end(), p.user_id) != users->end()) return true;
      continue;
    }
    for (const auto& user : expand(m))
      if (user == p.user_id) return true;
  }
  return false;
}

std::set<Role> Authorizer::roles_of(const Principal& p) const {
  std::set<Role> person;
  if (!p.user_id.empty() || !p.groups.empty()) {
    for (const auto& [name, members] : config_.access.roles)
      if (auto role = parse_role(name); role && member_of(p, members)) person.insert(*role);
    if (workflow_approvers_.count(p.user_id)) person.insert(Role::approver);
  }
  std::set<Role> carried(p.carried.begin(), p.carried.end());
  if (p.carried_caps && !p.user_id.empty()) {
    std::set<Role> capped;
    for (auto r : person)
      if (carried.empty() || carried.count(r)) capped.insert(r);
    return capped;
  }
  person.insert(carried.begin(), carried.end());
  return person;
}

Verdict Authorizer::check(const Principal& p, Action action) const {
  auto roles = roles_of(p);
  const auto& allowed = roles_allowed(action);
  for (auto r : allowed)
    if (roles.count(r)) return {true, {}};
  std::vector<std::string> need, have;
  for (auto r : allowed) need.push_back(to_string(r));
  for (auto r : roles) have.push_back(to_string(r));
  std::string who = p.user_id.empty() ? (p.via.empty() ? p.platform : p.via) : p.user_id;
  return {false, who + " may not " + text::replace_all(to_string(action), "_", " ") + ": that needs the role " +
                     text::join(need, " or ") + " (has " + (have.empty() ? std::string("none") : text::join(have, ", ")) +
                     ")"};
}

void Authorizer::require(const Principal& p, Action action) const {
  auto v = check(p, action);
  if (!v.allowed) throw Error(ErrorKind::forbidden, v.reason);
}

bool Authorizer::may_act_for(const Principal& actor, const std::string& person,
                             const std::vector<std::string>& extra_grant) const {
  if (person.empty()) return false;
  if (!actor.user_id.empty() && person == actor.user_id) return true;
  auto granted = [&](const std::vector<std::string>& people) {
    for (const auto& g : people) {
      if (g == "*") return true;
      for (const auto& user : expand(g))
        if (user == person) return true;
    }
    return false;
  };
  if (granted(extra_grant)) return true;
  if (actor.user_id.empty()) return false;
  auto it = config_.access.act_for.find(actor.user_id);
  return it != config_.access.act_for.end() && granted(it->second);
}

bool Authorizer::has_grants(const Principal& actor) const {
  return !actor.user_id.empty() && config_.access.act_for.count(actor.user_id) > 0;
}

bool Authorizer::uses_slack_groups() const {
  for (const auto& [role, members] : config_.access.roles)
    for (const auto& m : members)
      if (m.starts_with("slack_group:")) return true;
  return false;
}

std::vector<std::pair<std::string, std::string>> Authorizer::assignments() const {
  std::set<std::pair<std::string, std::string>> out;
  for (const auto& [role, members] : config_.access.roles)
    for (const auto& m : members)
      for (const auto& user : expand(m)) out.insert({role, user});
  for (const auto& user : workflow_approvers_) out.insert({"approver", user});
  for (const auto& [actor, people] : config_.access.act_for)
    for (const auto& p : people) out.insert({"act_for:" + actor, p});
  return {out.begin(), out.end()};
}

}  // namespace costbot::auth
