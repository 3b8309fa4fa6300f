#include <catch2/catch.hpp>

#include "engine/config/config.hpp"
#include "tests/support/test_support.hpp"

using namespace costbot;

namespace {
std::string issues_of(const std::string& yaml) { return config::check_text(yaml).to_string(); }

const char* kBase = R"(
teams:
  - name: payments
    roles: {team_lead: [U1], manager: [U2]}
approvals:
  roles: {finops: [U3, U4]}
  groups: {council: [U5, U6]}
  jira: {project: FIN, issue_type: Task}
)";
}  // namespace

TEST_CASE("the example config's workflows, tiers and Jira settings are read", "[config][approvals]") {
  config::Config c;
  REQUIRE(config::check(testing::source_path("config/costbot.example.yaml"), &c).empty());
  REQUIRE(c.workflows.size() >= 3);
  const auto* big = c.find_workflow("lead-finops-cfo");
  REQUIRE(big);
  REQUIRE(big->stages.size() == 3);
  CHECK(big->stages[1].quorum == "all");
  CHECK(big->stages[2].escalation.back().action == "auto_reject");
  CHECK(big->stages[0].approvers[0].kind == config::ApproverRef::Kind::role);
  CHECK(big->jira.labels->size() == 3);
  CHECK(c.approvals.tiers.size() == 3);
  CHECK_FALSE(c.approvals.tiers.back().below);
  CHECK(c.approvals.jira.project == "FIN");
  CHECK(c.approvals.post_to == std::vector<std::string>{"web"});
}

TEST_CASE("workflow mistakes are named with their path and the valid choices", "[config][approvals]") {
  auto [snippet, expected] = GENERATE(table<std::string, std::string>({
      {"workflows:\n  w:\n    stages:\n      - {name: a, approvers: [role:team_leed]}\n",
       "workflows.w.stages[0].approvers[0]: unknown role \"team_leed\" (did you mean \"team_lead\"? valid: finops, manager, team_lead)"},
      {"workflows:\n  w:\n    stages:\n      - {name: a, approvers: [group:counsil]}\n",
       "workflows.w.stages[0].approvers[0]: unknown group \"counsil\" (did you mean \"council\"? valid: council)"},
      {"workflows:\n  w:\n    stages:\n      - {name: a, approvers: [team:x]}\n",
       "workflows.w.stages[0].approvers[0]: expected a user id, group:NAME or role:NAME, got \"team:x\""},
      {"workflows:\n  w:\n    stages:\n      - {name: a, approvers: [U1], quorum: most}\n",
       "workflows.w.stages[0].quorum: expected any, all or a number of approvals such as 2, got \"most\""},
      {"workflows:\n  w:\n    stages:\n      - {name: a, approvers: [U1, U2], quorum: 3}\n",
       "workflows.w.stages[0].quorum: needs 3 approvals but only 2 people are listed as approvers"},
      {"workflows:\n  w:\n    stages:\n      - {name: a, approvers: [U1], sla_hours: 0}\n",
       "workflows.w.stages[0].sla_hours: must be a positive number of hours"},
      {"workflows:\n  w:\n    stages:\n      - name: a\n        approvers: [U1]\n        escalation:\n          - {after_hours: 1, action: auto_reject}\n          - {after_hours: 2, action: remind}\n",
       "workflows.w.stages[0].escalation[0].action: auto_reject decides the stage, so it must be the last step"},
      {"workflows:\n  w:\n    stages:\n      - name: a\n        approvers: [U1]\n        escalation:\n          - {after_hours: 1, action: escalate}\n",
       "workflows.w.stages[0].escalation[0].action: unknown value \"escalate\" (valid: remind, notify, auto_approve, auto_reject)"},
      {"workflows:\n  w:\n    stages:\n      - name: a\n        approvers: [U1]\n        escalation:\n          - {after_hours: 1, action: notify}\n",
       "workflows.w.stages[0].escalation[0].notify: missing required key"},
      {"workflows:\n  w:\n    stages:\n      - {name: a, approvers: [U1], approverz: [U2]}\n",
       "workflows.w.stages[0].approverz: unknown key (did you mean \"approvers\"?)"},
      {"workflows:\n  w:\n    stages: []\n", "workflows.w.stages: a workflow needs at least one stage"},
      {"workflows:\n  w:\n    jira: {labels: [cost savings]}\n    stages:\n      - {name: a, approvers: [U1]}\n",
       "workflows.w.jira.labels[0]: a Jira label may not be empty or contain spaces, got \"cost savings\""},
      {"workflows:\n  w:\n    jira: {assignee: boss}\n    stages:\n      - {name: a, approvers: [U1]}\n",
       "workflows.w.jira.assignee: unknown assignee rule \"boss\" (valid: none, requester, final_approver, role:NAME, account:JIRA_ACCOUNT_ID)"},
      {"workflows:\n  w:\n    jira: {priority_by_severity: {urgent: High}}\n    stages:\n      - {name: a, approvers: [U1]}\n",
       "workflows.w.jira.priority_by_severity.urgent: unknown severity \"urgent\""},
  }));
  auto issues = issues_of(std::string(kBase) + snippet);
  INFO(issues);
  CHECK_THAT(issues, Catch::Contains(expected));
}

TEST_CASE("tiers and triggers must name workflows and cover every amount", "[config][approvals]") {
  std::string workflows = "workflows:\n  a:\n    stages: [{name: s, approvers: [U1]}]\n  b:\n    stages: [{name: s, approvers: [U1]}]\n";
  auto base = std::string(R"(
approvals:
  jira: {project: FIN, issue_type: Task}
)");
  auto with = [&](const std::string& approvals_extra) {
    return issues_of(base + approvals_extra + workflows);
  };
  CHECK_THAT(with("  tiers:\n    - {below: 100, workflow: a}\n    - {below: 200, workflow: b}\n"),
             Catch::Contains("approvals.tiers[1]: the last tier must leave out below"));
  CHECK_THAT(with("  tiers:\n    - {workflow: a}\n    - {workflow: b}\n"),
             Catch::Contains("approvals.tiers[0].below: only the last tier may leave out below"));
  CHECK_THAT(with("  tiers:\n    - {below: 100, workflow: a}\n    - {workflow: c}\n"),
             Catch::Contains("approvals.tiers[1].workflow: unknown workflow \"c\""));
  CHECK_THAT(with("  tiers:\n    - {below: 100, workflow: a}\n    - {below: 50, workflow: b}\n    - {workflow: b}\n"),
             Catch::Contains("approvals.tiers[1].below: tiers must be in increasing order"));
  CHECK_THAT(with(""), Catch::Contains("approvals.tiers: missing: with several workflows"));
  CHECK_THAT(with("  tiers: [{workflow: a}]\n  triggers:\n    - {kinds: [spike], min_severity: huge, workflow: d, scopes: [team, galaxy]}\n"),
             Catch::Contains("approvals.triggers[0].min_severity: unknown value \"huge\"") &&
                 Catch::Contains("approvals.triggers[0].scopes: unknown scope \"galaxy\"") &&
                 Catch::Contains("approvals.triggers[0].workflow: unknown workflow \"d\""));
  CHECK_THAT(with("  tiers: [{workflow: a}]\n  post_to: [web, email]\n"),
             Catch::Contains("approvals.post_to[1]: unknown channel \"email\""));
  CHECK(with("  tiers: [{below: 10, workflow: a}, {workflow: b}]\n").empty());
}

TEST_CASE("a workflow that opens tickets needs a Jira project and issue type", "[config][approvals]") {
  auto issues = issues_of("workflows:\n  a:\n    stages: [{name: s, approvers: [U1]}]\n");
  CHECK_THAT(issues, Catch::Contains("workflows.a.jira.project: missing"));
  CHECK_THAT(issues, Catch::Contains("workflows.a.jira.issue_type: missing"));
  CHECK(issues_of("workflows:\n  a:\n    create_ticket: false\n    stages: [{name: s, approvers: [U1]}]\n").empty());
}
