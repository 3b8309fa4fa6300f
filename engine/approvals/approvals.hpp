#pragma once
// Approval workflows: the state machine behind "Approve / Reject" and the Jira ticket that follows.
//
// Every transition (create, decide, escalate, ticket recorded or moved, delegation) runs in ONE
// write transaction (BEGIN IMMEDIATE) together with its audit row and its outbox effects, and
// re-reads the state inside that transaction — so concurrent clicks on separate connections, a
// double click, or a retried webhook never decide a stage twice. Nothing here speaks HTTP or
// chat: adapters turn clicks into Decision values and deliver the queued effects.
//
// The Approvals object only holds the config and templates; it is safe to share between threads
// as long as each thread passes its own Database connection.
#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/approvals/records.hpp"
#include "engine/config/config.hpp"
#include "engine/render/templates.hpp"
#include "engine/storage/database.hpp"
#include "engine/util/time.hpp"

namespace costbot::approvals {

enum class Verdict { approve, reject };

enum class Outcome {
  applied,                  // counted; the stage still needs more approvals
  stage_advanced,           // the stage reached its quorum; the next stage is active
  approved_final,           // the last stage reached its quorum; the request is approved
  rejected,                 // the request is rejected
  already_decided,          // nothing changed: this actor (or the stage) already decided
  not_an_approver,          // nothing changed: the actor may not decide this stage
  self_approval_forbidden,  // nothing changed: the actor requested this
  stage_not_active,         // nothing changed: the click names a stage not reached yet
  request_closed,           // nothing changed: the request is already approved or rejected
  not_found,                // no such request
};
const char* to_string(Outcome outcome);
const char* to_string(Verdict verdict);
std::optional<Verdict> parse_verdict(const std::string& text);  // approve, reject
// True for the outcomes that changed state (applied .. rejected).
bool changed_state(Outcome outcome);

struct Decision {
  std::int64_t request_id = 0;
  // 0-based stage the click was for (chat buttons carry it). Absent = the current stage. Always
  // pass it from buttons: a late click on a finished stage must not land on the next one.
  std::optional<int> stage;
  std::string actor;   // who clicked: a chat user id, a signed-in person, api:TOKEN_NAME
  Verdict verdict = Verdict::approve;
  std::string reason;
  std::string source;  // slack, teams, web, cli, api
  // Set when `actor` acts for this person by an explicit grant (access.act_for, an API token's
  // act_for): the decision is theirs — their approver rights, their place in the quorum — and is
  // recorded and audited with both names (principal = this person, actor = who clicked).
  std::string acting_for;
  std::string grant;   // which grant allowed it, for the audit trail ("access.act_for", "api.tokens[ci].act_for")
};

struct DecisionResult {
  Outcome outcome = Outcome::not_found;
  std::string message;                  // for the actor: an ephemeral reply or CLI output
  std::int64_t request_id = 0;
  int stage = -1;                       // the stage decided or attempted (0-based)
  std::string request_status;           // open, approved, rejected (after the call)
  std::vector<std::string> principals;  // approvers this decision counted for (delegation)
};

// A request from a person (CLI, chat, REST) or a finding.
struct RequestFacts {
  std::string title;
  std::string team;        // a configured team name, or empty
  double amount = 0;       // dollar impact in the base currency; chooses the workflow tier
  std::string severity;    // info, low, medium, high, critical (or empty)
  std::string kind;        // finding kind, if any
  std::string requester;   // user id; "costbot" for automatic requests
  std::string finding_id;  // optional; one request per finding
  std::string workflow;    // optional: this workflow instead of the tier's
  // Further facts shown in messages and the ticket. Known keys: summary, chart_url, service,
  // account, region, resource, recommendation; any other string/number becomes a fact line.
  boost::json::object facts;
};

// What the detection engine knows about a finding, as plain fields (no detection types here).
struct FindingFacts {
  std::string id;
  std::string kind;      // idle_compute, spike, ...
  std::string scope_dimension;  // team, service, resource, ... (approvals.triggers[].scopes)
  std::string severity;  // info, low, medium, high, critical
  std::string title;
  std::string team;
  double amount = 0;     // dollar impact
  boost::json::object facts;  // as RequestFacts::facts
};

struct CreateResult {
  std::int64_t id = 0;
  std::string workflow;
  bool created = false;  // false: the finding already had this request
};

struct Delegation {
  std::string delegator;  // the approver who is away
  std::string delegate;   // who decides for them meanwhile
  UnixSeconds starts_at = 0;
  UnixSeconds ends_at = 0;  // exclusive
  std::string reason;
  std::string created_by;
};

enum class TicketOutcome { recorded, already_recorded, status_changed, unchanged, not_found, conflict };
const char* to_string(TicketOutcome outcome);

struct TicketResult {
  TicketOutcome outcome = TicketOutcome::not_found;
  std::int64_t request_id = 0;
  std::string message;
};

struct TickReport {
  int reminders = 0, notifications = 0, auto_approved = 0, auto_rejected = 0;
  std::vector<std::string> lines;  // one per escalation performed, for logs and the CLI
};

class Approvals {
 public:
  Approvals(const config::Config& config, render::Templates templates);

  // Chooses the workflow (RequestFacts::workflow, else the amount's tier), resolves every stage's
  // approvers for the team (the requester is never one of them; a stage left empty uses its
  // fallback), stores the request with stage 1 active, audits it and queues the first posts.
  // Throws Error(invalid_input) naming the problem; Error(conflict) if the finding has a request.
  CreateResult create_request(storage::Database& db, const RequestFacts& facts, UnixSeconds now) const;

  // Applies approvals.triggers (kind, severity, amount) to a finding; opens a request for the
  // first matching rule (requester "costbot"), or returns the finding's existing request.
  // nullopt when no rule matches.
  std::optional<CreateResult> maybe_request_for_finding(storage::Database& db, const FindingFacts& finding,
                                                        UnixSeconds now) const;

  DecisionResult decide(storage::Database& db, const Decision& decision, UnixSeconds now) const;

  // SLA escalation (the scheduler calls it every minute): performs every escalation step that is
  // due and not yet done — remind, notify, auto_approve, auto_reject — each once, each audited.
  TickReport tick(storage::Database& db, UnixSeconds now) const;

  // The Jira adapter created (or found by its label) the ticket: store it, audit it and queue
  // message updates that show the link. Idempotent for the same key.
  TicketResult record_ticket(storage::Database& db, std::int64_t request_id, const std::string& key,
                             const std::string& url, UnixSeconds now) const;
  // The ticket moved (Jira webhook): status name and category (new, indeterminate, done).
  // Done → outcome "done"; done with a status in approvals.jira.wont_do_statuses → "wont_do".
  TicketResult ticket_status_changed(storage::Database& db, const std::string& key, const std::string& status,
                                     const std::string& category, UnixSeconds now) const;

  std::int64_t delegate(storage::Database& db, const Delegation& delegation, UnixSeconds now) const;
  void revoke_delegation(storage::Database& db, std::int64_t id, const std::string& actor, UnixSeconds now) const;

  // The facts every template gets (also the web channel's and `approvals show --format json`).
  boost::json::object view(const RequestRecord& record) const;
  // The complete Jira REST v3 create-issue body for an (approved) request.
  boost::json::object jira_create_body(const RequestRecord& record) const;
  // Which workflow an amount (of a finding kind, if any) falls into: the first tier whose kinds
  // match (or that has none) and whose `below` is above the amount. Throws Error(invalid_input) if none.
  const config::WorkflowConfig& workflow_for_amount(double amount, const std::string& kind = {}) const;

  const config::Config& config() const { return config_; }
  const render::Templates& templates() const { return templates_; }

 private:
  const config::Config& config_;
  render::Templates templates_;
};

}  // namespace costbot::approvals
