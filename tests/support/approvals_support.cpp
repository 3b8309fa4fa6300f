#include "tests/support/approvals_support.hpp"

#include <stdexcept>

namespace costbot::testing {

const char* const kApprovalsTestConfig = R"(
teams:
  - name: payments
    roles:
      team_lead: [U_LEAD]
      manager: [U_MGR]
    slack_channel: "#payments"
server:
  public_url: https://costbot.example.com
approvals:
  post_to: [web, slack]
  roles:
    finops: [U_F1, U_F2, U_F3]
    cfo: [U_CFO]
  tiers:
    - below: 1000
      workflow: small
    - below: 10000
      workflow: mid
    - workflow: big
  triggers:
    - kinds: ["idle_*"]
      min_severity: medium
      min_amount: 100
    - kinds: [level_shift]
      scopes: [team]
      min_amount: 100
  jira:
    project: FIN
    issue_type: Task
    labels: [costbot]
    components: [Cloud Cost]
    priority_by_severity: {high: High, low: Low}
    assignee: role:team_lead
    account_ids: {U_LEAD: "acc-lead"}
access:
  roles:
    finops_admin: [role:finops, U_ENG, U_ENG2]   # "Not an anomaly" silences detection: finops_admin
workflows:
  small:
    stages:
      - name: Team lead
        approvers: [role:team_lead]
        fallback: [role:manager]
        sla_hours: 24
        escalation:
          - {after_hours: 0, action: remind}
          - {after_hours: 12, action: notify, notify: [role:manager]}
          - {after_hours: 24, action: auto_reject}
  mid:
    stages:
      - name: Team lead
        approvers: [role:team_lead]
        fallback: [role:manager]
      - name: FinOps
        approvers: [role:finops]
        quorum: 2
  either:
    create_ticket: false
    stages:
      - name: Any analyst
        approvers: [role:finops]
        quorum: any
  big:
    stages:
      - name: Team lead
        approvers: [role:team_lead]
        fallback: [role:manager]
      - name: FinOps
        approvers: [role:finops]
        quorum: all
      - name: CFO
        approvers: [role:cfo]
        sla_hours: 10
        escalation:
          - {after_hours: 48, action: auto_approve}
)";

config::Config load_config_text(const std::string& yaml) {
  config::Config config;
  auto issues = config::check_text(yaml, &config);
  if (!issues.empty()) throw std::runtime_error("test config invalid:\n" + issues.to_string());
  return config;
}

ApprovalsFixture::ApprovalsFixture(const std::string& yaml)
    : config(load_config_text(yaml)),
      engine(std::make_unique<approvals::Approvals>(config, render::Templates(source_path("templates")))),
      db_path(dir.file("approvals.db")),
      db(std::make_unique<storage::Database>(storage::open_migrated(db_path))) {}

std::int64_t ApprovalsFixture::request(double amount, const std::string& requester, const std::string& finding,
                                      const std::string& workflow) {
  approvals::RequestFacts f;
  f.title = "Stop idle instances in prod-payments";
  f.team = "payments";
  f.amount = amount;
  f.severity = "high";
  f.requester = requester;
  f.finding_id = finding;
  f.workflow = workflow;
  f.facts["summary"] = "14 m6i.4xlarge instances idle for 30 days";
  f.facts["chart_url"] = "https://costbot.example.com/charts/abc.png";
  f.facts["service"] = "Amazon EC2";
  return engine->create_request(*db, f, 1726653600).id;
}

approvals::DecisionResult ApprovalsFixture::decide(std::int64_t id, const std::string& actor, approvals::Verdict verdict,
                                                   std::optional<int> stage, const std::string& reason, UnixSeconds now) {
  approvals::Decision d;
  d.request_id = id;
  d.actor = actor;
  d.verdict = verdict;
  d.stage = stage;
  d.reason = reason;
  d.source = "test";
  return engine->decide(*db, d, now);
}

approvals::RequestRecord ApprovalsFixture::load(std::int64_t id) {
  auto r = approvals::load_request(*db, id);
  if (!r) throw std::runtime_error("no request " + std::to_string(id));
  return *r;
}

std::int64_t count_rows(storage::Database& db, const std::string& sql) {
  SQLite::Statement q(db.sql(), sql);
  q.executeStep();
  return q.getColumn(0).getInt64();
}

std::vector<OutboxRow> outbox_rows(storage::Database& db, const std::string& kind) {
  SQLite::Statement q(db.sql(),
                      "SELECT kind, idempotency_key, payload, next_attempt_at FROM outbox WHERE ?1 = '' OR kind = ?1 ORDER BY id");
  q.bind(1, kind);
  std::vector<OutboxRow> rows;
  while (q.executeStep())
    rows.push_back({q.getColumn(0).getString(), q.getColumn(1).getString(),
                    boost::json::parse(q.getColumn(2).getString()).as_object(), q.getColumn(3).getInt64()});
  return rows;
}

}  // namespace costbot::testing
