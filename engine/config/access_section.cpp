// `access:` — roles and explicit act-for grants (engine/auth decides with them).
#include <algorithm>
#include <cctype>

#include "engine/config/sections.hpp"
#include "engine/util/strings.hpp"

namespace costbot::config {

const std::vector<std::string>& role_names() {
  static const std::vector<std::string> names{"viewer", "requester", "approver", "finops_admin", "admin"};
  return names;
}

namespace {

// "*", a user id, group:NAME, role:NAME, idp_group:NAME, slack_group:ID|@handle.
void check_member(Reader& r, const std::string& path, const std::string& member, const Config& config) {
  auto colon = member.find(':');
  if (member.empty()) return r.issues().add(path, "empty member");
  if (colon == std::string::npos) return;  // "*" or a user id
  auto kind = member.substr(0, colon), name = member.substr(colon + 1);
  if (name.empty()) return r.issues().add(path, "\"" + member + "\" names nothing after the colon");
  if (kind == "group") {
    if (!config.approvals.groups.count(name))
      r.issues().add(path, "no approvals.groups." + name + " (members: group:NAME of approvals.groups)");
  } else if (kind == "role") {
    bool known = config.approvals.roles.count(name) > 0;
    for (const auto& t : config.teams) known = known || t.roles.count(name) > 0;
    if (!known) r.issues().add(path, "no approvals.roles." + name + " nor teams[].roles." + name);
  } else if (kind == "slack_group") {
    // A user group's id (S0614TZR7) or its handle (@finops), as usergroups.list names them.
    const bool handle = name.size() > 1 && name[0] == '@';
    const bool id = name.size() > 1 && name[0] == 'S';
    const auto body = name.substr(1);
    const bool clean = std::all_of(body.begin(), body.end(), [&](char ch) {
      return std::isalnum(static_cast<unsigned char>(ch)) || (handle && (ch == '-' || ch == '_' || ch == '.'));
    });
    if (!(handle || id) || !clean)
      r.issues().add(path, "\"" + member + "\": a Slack user group is slack_group:ID (S0614TZR7) or slack_group:@handle");
  } else if (kind != "idp_group") {
    r.issues().add(path, "\"" + member +
                             "\": expected *, a user id, group:NAME, role:NAME, idp_group:NAME or slack_group:ID|@handle");
  }
}

}  // namespace

void read_audit_section(Reader& root, Config& config) {
  auto r = root.section("audit");
  auto& c = config.audit;
  r.string("anchor_file", c.anchor_file);
  if (r.string("anchor_channel", c.anchor_channel) && !c.anchor_channel.empty()) {
    auto colon = c.anchor_channel.find(':');
    auto kind = c.anchor_channel.substr(0, colon == std::string::npos ? 0 : colon);
    if ((kind != "slack" && kind != "teams" && kind != "web") || colon + 1 >= c.anchor_channel.size())
      r.error("anchor_channel", "expected slack:CHANNEL, teams:CONVERSATION or web:FEED, got \"" + c.anchor_channel + "\"");
  }
  r.finish();
}

void read_access_section(Reader& root, Config& config) {
  auto r = root.section("access");
  auto& c = config.access;
  std::map<std::string, std::vector<std::string>> roles;
  if (r.string_lists("roles", roles)) {
    for (auto& [role, members] : roles) {
      const auto& names = role_names();
      if (std::find(names.begin(), names.end(), role) == names.end()) {
        r.issues().add(r.path_of("roles") + "." + role,
                       "unknown role (valid: " + text::join(names, ", ") + ")");
        continue;
      }
      for (std::size_t i = 0; i < members.size(); ++i)
        check_member(r, r.path_of("roles") + "." + role + "[" + std::to_string(i) + "]", members[i], config);
      c.roles[role] = members;
    }
  }
  std::map<std::string, std::vector<std::string>> grants;
  if (r.string_lists("act_for", grants)) {
    for (auto& [actor, people] : grants) {
      if (actor == "*") r.issues().add(r.path_of("act_for") + ".*", "a grant names one actor, not everyone");
      if (people.empty()) r.issues().add(r.path_of("act_for") + "." + actor, "names nobody");
      c.act_for[actor] = people;
    }
  }
  r.finish();
}

}  // namespace costbot::config
