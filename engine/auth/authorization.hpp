#pragma once
// Who may do what: the ONE authorization decision every surface asks — the web channel, the REST
// API, Slack, Teams, the Jira webhook and the chat front door. Callers authenticate first (a
// session, a token, a verified signature) and describe the caller as a Principal; this says
// whether it may perform an Action, and why not.
//
// Roles (config `access.roles`, defaults: viewer and requester = anyone authenticated):
//   viewer        reads costs, findings, incidents, budgets, approvals, feeds, charts
//   requester     opens approval requests, acknowledges incidents
//   approver      decides approval requests (everyone a workflow names has it; the approvals
//                 engine still checks the stage's own approvers)
//   finops_admin  feedback that silences or retunes detection (not an anomaly, noise floor,
//                 planned), planned events, budgets
//   admin         roles and tokens, and everything finops_admin may do
// Members: "*", a user id, group:NAME / role:NAME (approvals config), idp_group:NAME (groups the
// identity provider named at sign-in), slack_group:ID or slack_group:@handle (a Slack user group,
// looked up through the GroupDirectory).
// A credential may carry roles of its own (an API token's `role`, the Jira webhook), which are
// added to (or, for a token bound to a person, cap) the person's roles.
//
// Acting for someone else is never implied by a role: it needs an explicit grant (access.act_for,
// an API token's act_for), and the decision is audited with both names.
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "engine/auth/group_directory.hpp"
#include "engine/config/config.hpp"

namespace costbot::auth {

enum class Role { viewer, requester, approver, finops_admin, admin };
const char* to_string(Role role);
std::optional<Role> parse_role(std::string_view name);
std::vector<Role> all_roles();

enum class Action {
  view,              // read anything the service shows
  subscribe,         // one's own persona subscriptions
  request_approval,  // open an approval request (request ticket, POST /api/v1/approvals)
  acknowledge,       // acknowledge an incident (stops its escalation)
  decide_approval,   // approve or reject (then the engine checks the stage)
  feedback,          // not an anomaly, noise floor, planned, rejected: silences and retunes
  manage_planned,    // planned events
  manage_budgets,    // budgets
  ticket_update,     // a ticket moved (Jira webhook)
  manage_access,     // roles, tokens
};
const char* to_string(Action action);
std::vector<Action> all_actions();
// The roles that allow an action (the table the test walks).
const std::vector<Role>& roles_allowed(Action action);

struct Principal {
  std::string platform;             // slack, teams, web, api, cli, jira, system
  std::string user_id;              // the identity approvals use; "" for a credential without a person
  std::string name;                 // for messages and logs
  std::vector<std::string> groups;  // groups the identity provider named at sign-in (idp_group:NAME)
  std::vector<Role> carried;        // roles the credential itself carries (API token role, webhook)
  bool carried_caps = false;        // true: `carried` caps the person's roles instead of adding to them
  std::string via;                  // how it authenticated, for audit: "session", "api:ci", "slack signature"
};

struct Verdict {
  bool allowed = false;
  std::string reason;  // when refused: what is missing, for the caller
};

class Authorizer {
 public:
  explicit Authorizer(const config::Config& config);

  std::set<Role> roles_of(const Principal& principal) const;
  Verdict check(const Principal& principal, Action action) const;
  // Throws Error(forbidden) with the reason when refused.
  void require(const Principal& principal, Action action) const;

  // May `actor` act for `person` (access.act_for grants, plus `extra_grant`, e.g. a token's
  // act_for)? Acting for oneself is not acting for someone else and needs no grant.
  bool may_act_for(const Principal& actor, const std::string& person,
                   const std::vector<std::string>& extra_grant = {}) const;

  // True when some grant lets this principal act for someone else (the web page then offers "act as").
  bool has_grants(const Principal& actor) const;

  // Where slack_group: members are looked up (the Slack adapter installs it). Without one, or
  // when it cannot answer, nobody holds a role through a group: refused, never granted.
  void set_group_directory(std::shared_ptr<const GroupDirectory> directory) { groups_ = std::move(directory); }
  // True when some role names a slack_group: member.
  bool uses_slack_groups() const;

  // Every (role, member) assignment the config makes, resolved to user ids where it can be
  // ("*" and idp_group:NAME stay as written): for `costbot access` and the audit of role changes.
  std::vector<std::pair<std::string, std::string>> assignments() const;

 private:
  bool member_of(const Principal& principal, const std::vector<std::string>& members) const;
  std::vector<std::string> expand(const std::string& member) const;

  const config::Config& config_;
  std::set<std::string> workflow_approvers_;  // every user a workflow stage (or fallback) names
  std::shared_ptr<const GroupDirectory> groups_;
};

}  // namespace costbot::auth
