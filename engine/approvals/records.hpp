#pragma once
// The stored shape of approval requests, read back as plain structs (for the state machine, the
// CLI and the message views). Writes live with the transitions that make them.
#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/storage/database.hpp"
#include "engine/util/time.hpp"

namespace costbot::approvals {

struct StageRecord {
  int idx = 0;
  std::string name;
  std::vector<std::string> approvers;      // user ids who may decide (requester excluded)
  std::vector<std::string> approver_refs;  // as configured, for display
  std::string quorum;                      // any, all, N
  int required = 1;                        // approvals needed
  std::int64_t sla_seconds = 0;
  boost::json::array escalation;           // [{after_hours, action, notify: [user ids]}]
  std::string status;                      // pending, active, approved, rejected
  std::optional<UnixSeconds> started_at, due_at, finished_at;
};

struct DecisionRecord {
  std::int64_t id = 0;
  int stage_idx = 0;
  std::string principal, actor, verdict, reason, source;
  UnixSeconds decided_at = 0;
};

struct TicketRecord {
  std::string system, key, url, status, status_category;
  UnixSeconds created_at = 0, updated_at = 0;
};

struct RequestRecord {
  std::int64_t id = 0;
  std::string finding_id, finding_kind, title, team;
  double amount = 0;
  std::string severity, requester;
  boost::json::object facts;
  std::string workflow;
  std::optional<boost::json::object> ticket_settings;
  std::string status;  // open, approved, rejected
  std::optional<int> current_stage;
  std::int64_t version = 1;
  std::string rejection_reason, outcome;
  UnixSeconds created_at = 0, updated_at = 0;
  std::optional<UnixSeconds> closed_at;

  std::vector<StageRecord> stages;
  std::vector<DecisionRecord> decisions;  // in decision order
  std::optional<TicketRecord> ticket;

  const StageRecord* stage(int idx) const;
  std::vector<const DecisionRecord*> decisions_of(int stage_idx) const;
  std::string subject() const { return "approval:" + std::to_string(id); }
};

struct DelegationRecord {
  std::int64_t id = 0;
  std::string delegator, delegate, reason, created_by;
  UnixSeconds starts_at = 0, ends_at = 0, created_at = 0;
  std::optional<UnixSeconds> revoked_at;
  bool active_at(UnixSeconds t) const { return !revoked_at && starts_at <= t && t < ends_at; }
};

std::optional<RequestRecord> load_request(storage::Database& db, std::int64_t id);
// Summaries (no stages/decisions), newest first.
std::vector<RequestRecord> list_requests(storage::Database& db, bool open_only);
std::optional<std::int64_t> request_for_finding(storage::Database& db, const std::string& finding_id);
std::vector<DelegationRecord> list_delegations(storage::Database& db);
// Delegations that let `delegate` act at time t.
std::vector<DelegationRecord> active_delegations_to(storage::Database& db, const std::string& delegate, UnixSeconds t);

}  // namespace costbot::approvals
