#pragma once
// The local ticket outbox: where the ticket.create effect lands when no Jira is configured, so
// the whole approval flow completes with no account. A local ticket has a Jira-like key (LOCAL-1),
// the complete create body Jira would have received (ADF description included), a status that
// comments and transitions move like Jira's, and its history.
//
// For readers (the web channel lists tickets, GET /api/v1 may expose them): list_local_tickets()
// and find_local_ticket(), or the tables local_tickets / local_ticket_events
// (engine/storage/migrations/0045_tickets.sql). Writes happen through the jira.* outbox effects.
#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/storage/database.hpp"
#include "engine/util/time.hpp"

namespace costbot::tickets {

struct LocalTicketEvent {
  std::string kind;  // comment, transition
  std::string body;  // comment: ADF JSON text; transition: "To Do -> Done"
  UnixSeconds created_at = 0;
};

struct LocalTicket {
  std::int64_t id = 0;
  std::string key;                 // LOCAL-1
  std::string idempotency_label;   // costbot-req-<request id>
  std::int64_t request_id = 0;     // the approval request (0 = none)
  std::string project, issue_type, summary, priority;
  std::vector<std::string> labels;
  boost::json::object fields;      // the Jira create body's fields, as Jira would have received them
  std::string status, status_category;
  UnixSeconds created_at = 0, updated_at = 0;
  std::vector<LocalTicketEvent> events;  // filled by find_local_ticket only
};

// The ticket for this label, creating it from a Jira create body ({"fields": {...}}) when there is
// none: a retry after a crash finds the first one. `created` says which. Each write below runs
// its own write transaction (call them outside one).
LocalTicket create_local_ticket(storage::Database& db, const std::string& key_prefix, const std::string& label,
                                std::int64_t request_id, const boost::json::object& create_body, UnixSeconds now,
                                bool* created = nullptr);

// Newest first; open_only: status category not done.
std::vector<LocalTicket> list_local_tickets(storage::Database& db, bool open_only = false);
std::optional<LocalTicket> find_local_ticket(storage::Database& db, const std::string& key);
std::optional<LocalTicket> find_local_ticket_by_label(storage::Database& db, const std::string& label);

// A comment (ADF document) on a local ticket; `ref` makes it happen once. False when it was
// already there. Throws Error(not_found) for an unknown key.
bool comment_local_ticket(storage::Database& db, const std::string& key, const boost::json::value& adf,
                          const std::string& ref, UnixSeconds now);
// Moves a local ticket to `status` (category new, indeterminate or done); once per `ref`.
bool transition_local_ticket(storage::Database& db, const std::string& key, const std::string& status,
                             const std::string& category, const std::string& ref, UnixSeconds now);

}  // namespace costbot::tickets
