#include "engine/approvals/records.hpp"

namespace costbot::approvals {
namespace {

boost::json::value parse_json(const std::string& text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  return ec ? boost::json::value() : v;
}

std::vector<std::string> string_list(const std::string& json) {
  std::vector<std::string> out;
  auto v = parse_json(json);
  if (v.is_array())
    for (const auto& item : v.as_array())
      if (item.is_string()) out.emplace_back(item.as_string());
  return out;
}

std::optional<UnixSeconds> optional_time(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return c.getInt64();
}

const char* kRequestColumns =
    "id, COALESCE(finding_id, ''), finding_kind, title, team, amount, severity, requester, facts, workflow, "
    "ticket_settings, status, current_stage, version, rejection_reason, outcome, created_at, updated_at, closed_at";

RequestRecord read_request(SQLite::Statement& q) {
  RequestRecord r;
  r.id = q.getColumn(0).getInt64();
  r.finding_id = q.getColumn(1).getString();
  r.finding_kind = q.getColumn(2).getString();
  r.title = q.getColumn(3).getString();
  r.team = q.getColumn(4).getString();
  r.amount = q.getColumn(5).getDouble();
  r.severity = q.getColumn(6).getString();
  r.requester = q.getColumn(7).getString();
  if (auto facts = parse_json(q.getColumn(8).getString()); facts.is_object()) r.facts = facts.as_object();
  r.workflow = q.getColumn(9).getString();
  if (!q.getColumn(10).isNull())
    if (auto t = parse_json(q.getColumn(10).getString()); t.is_object()) r.ticket_settings = t.as_object();
  r.status = q.getColumn(11).getString();
  if (!q.getColumn(12).isNull()) r.current_stage = q.getColumn(12).getInt();
  r.version = q.getColumn(13).getInt64();
  r.rejection_reason = q.getColumn(14).getString();
  r.outcome = q.getColumn(15).getString();
  r.created_at = q.getColumn(16).getInt64();
  r.updated_at = q.getColumn(17).getInt64();
  r.closed_at = optional_time(q.getColumn(18));
  return r;
}

DelegationRecord read_delegation(SQLite::Statement& q) {
  DelegationRecord d;
  d.id = q.getColumn(0).getInt64();
  d.delegator = q.getColumn(1).getString();
  d.delegate = q.getColumn(2).getString();
  d.starts_at = q.getColumn(3).getInt64();
  d.ends_at = q.getColumn(4).getInt64();
  d.reason = q.getColumn(5).getString();
  d.created_by = q.getColumn(6).getString();
  d.created_at = q.getColumn(7).getInt64();
  d.revoked_at = optional_time(q.getColumn(8));
  return d;
}

const char* kDelegationColumns =
    "id, delegator, delegate, starts_at, ends_at, reason, created_by, created_at, revoked_at";

}  // namespace

const StageRecord* RequestRecord::stage(int idx) const {
  for (const auto& s : stages)
    if (s.idx == idx) return &s;
  return nullptr;
}

std::vector<const DecisionRecord*> RequestRecord::decisions_of(int stage_idx) const {
  std::vector<const DecisionRecord*> out;
  for (const auto& d : decisions)
    if (d.stage_idx == stage_idx) out.push_back(&d);
  return out;
}

std::optional<RequestRecord> load_request(storage::Database& db, std::int64_t id) {
  SQLite::Statement q(db.sql(), std::string("SELECT ") + kRequestColumns + " FROM approval_requests WHERE id = ?");
  q.bind(1, id);
  if (!q.executeStep()) return std::nullopt;
  RequestRecord r = read_request(q);

  SQLite::Statement stages(db.sql(),
                           "SELECT idx, name, approvers, approver_refs, quorum, required, sla_seconds, escalation, status, "
                           "started_at, due_at, finished_at FROM approval_stages WHERE request_id = ? ORDER BY idx");
  stages.bind(1, id);
  while (stages.executeStep()) {
    StageRecord s;
    s.idx = stages.getColumn(0).getInt();
    s.name = stages.getColumn(1).getString();
    s.approvers = string_list(stages.getColumn(2).getString());
    s.approver_refs = string_list(stages.getColumn(3).getString());
    s.quorum = stages.getColumn(4).getString();
    s.required = stages.getColumn(5).getInt();
    s.sla_seconds = stages.getColumn(6).getInt64();
    if (auto e = parse_json(stages.getColumn(7).getString()); e.is_array()) s.escalation = e.as_array();
    s.status = stages.getColumn(8).getString();
    s.started_at = optional_time(stages.getColumn(9));
    s.due_at = optional_time(stages.getColumn(10));
    s.finished_at = optional_time(stages.getColumn(11));
    r.stages.push_back(std::move(s));
  }

  SQLite::Statement decisions(db.sql(),
                              "SELECT id, stage_idx, principal, actor, verdict, reason, source, decided_at "
                              "FROM approval_decisions WHERE request_id = ? ORDER BY id");
  decisions.bind(1, id);
  while (decisions.executeStep()) {
    DecisionRecord d;
    d.id = decisions.getColumn(0).getInt64();
    d.stage_idx = decisions.getColumn(1).getInt();
    d.principal = decisions.getColumn(2).getString();
    d.actor = decisions.getColumn(3).getString();
    d.verdict = decisions.getColumn(4).getString();
    d.reason = decisions.getColumn(5).getString();
    d.source = decisions.getColumn(6).getString();
    d.decided_at = decisions.getColumn(7).getInt64();
    r.decisions.push_back(std::move(d));
  }

  SQLite::Statement ticket(db.sql(),
                           "SELECT system, ticket_key, url, status, status_category, created_at, updated_at "
                           "FROM approval_tickets WHERE request_id = ?");
  ticket.bind(1, id);
  if (ticket.executeStep()) {
    TicketRecord t;
    t.system = ticket.getColumn(0).getString();
    t.key = ticket.getColumn(1).getString();
    t.url = ticket.getColumn(2).getString();
    t.status = ticket.getColumn(3).getString();
    t.status_category = ticket.getColumn(4).getString();
    t.created_at = ticket.getColumn(5).getInt64();
    t.updated_at = ticket.getColumn(6).getInt64();
    r.ticket = std::move(t);
  }
  return r;
}

std::vector<RequestRecord> list_requests(storage::Database& db, bool open_only) {
  std::string sql = std::string("SELECT ") + kRequestColumns + " FROM approval_requests";
  if (open_only) sql += " WHERE status = 'open'";
  sql += " ORDER BY id DESC";
  SQLite::Statement q(db.sql(), sql);
  std::vector<RequestRecord> out;
  while (q.executeStep()) out.push_back(read_request(q));
  return out;
}

std::optional<std::int64_t> request_for_finding(storage::Database& db, const std::string& finding_id) {
  SQLite::Statement q(db.sql(), "SELECT id FROM approval_requests WHERE finding_id = ?");
  q.bind(1, finding_id);
  if (!q.executeStep()) return std::nullopt;
  return q.getColumn(0).getInt64();
}

std::vector<DelegationRecord> list_delegations(storage::Database& db) {
  SQLite::Statement q(db.sql(), std::string("SELECT ") + kDelegationColumns + " FROM approval_delegations ORDER BY id");
  std::vector<DelegationRecord> out;
  while (q.executeStep()) out.push_back(read_delegation(q));
  return out;
}

std::vector<DelegationRecord> active_delegations_to(storage::Database& db, const std::string& delegate, UnixSeconds t) {
  SQLite::Statement q(db.sql(), std::string("SELECT ") + kDelegationColumns +
                                    " FROM approval_delegations WHERE delegate = ? AND revoked_at IS NULL "
                                    "AND starts_at <= ? AND ends_at > ? ORDER BY id");
  q.bind(1, delegate);
  q.bind(2, static_cast<std::int64_t>(t));
  q.bind(3, static_cast<std::int64_t>(t));
  std::vector<DelegationRecord> out;
  while (q.executeStep()) out.push_back(read_delegation(q));
  return out;
}

}  // namespace costbot::approvals
