// The Jira side of a request: the create-issue body (from the ticket settings snapshotted at
// creation), and recording what the tracker reports back (the new key, later status moves).
#include "engine/approvals/internal.hpp"
#include "engine/audit/audit.hpp"
#include "engine/util/error.hpp"
#include "engine/util/json_fields.hpp"
#include "engine/util/strings.hpp"

namespace costbot::approvals {
namespace {

const std::string kDefaultDescription = "jira/approver/approval_ticket.json";

// Jira summaries are one line of at most 255 characters.
std::string one_line(std::string s, std::size_t limit) {
  for (auto& c : s)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  s = std::string(text::trim(s));
  if (s.size() > limit) {
    s = s.substr(0, limit - 3);
    // Do not cut a UTF-8 sequence in half.
    while (!s.empty() && (static_cast<unsigned char>(s.back()) & 0xC0) == 0x80) s.pop_back();
    if (!s.empty() && (static_cast<unsigned char>(s.back()) & 0x80)) s.pop_back();
    s += "...";
  }
  return s;
}

std::optional<std::string> jira_account(const config::Config& c, const std::string& user) {
  auto it = c.approvals.jira_account_ids.find(user);
  if (it == c.approvals.jira_account_ids.end()) return std::nullopt;
  return it->second;
}

// The last person whose approval completed the workflow.
std::string final_approver(const RequestRecord& r) {
  for (auto it = r.decisions.rbegin(); it != r.decisions.rend(); ++it)
    if (it->verdict == "approve" && it->principal != "system") return it->principal;
  return {};
}

}  // namespace

boost::json::object Approvals::jira_create_body(const RequestRecord& r) const {
  boost::json::object settings = r.ticket_settings.value_or(boost::json::object{});
  boost::json::object fields;
  fields["project"] = {{"key", json_string(settings, "project")}};
  fields["issuetype"] = {{"name", json_string(settings, "issue_type")}};
  fields["summary"] = one_line(json_string(settings, "summary_prefix") + r.title, 255);

  std::string description_template = json_string(settings, "description_template");
  if (description_template.empty()) description_template = kDefaultDescription;
  fields["description"] = templates_.render_json(description_template, view(r));

  boost::json::array labels;
  std::vector<std::string> seen;
  auto add_label = [&](const std::string& label) {
    if (label.empty() || std::find(seen.begin(), seen.end(), label) != seen.end()) return;
    seen.push_back(label);
    labels.push_back(boost::json::value(label));
  };
  if (auto it = settings.find("labels"); it != settings.end() && it->value().is_array())
    for (const auto& l : it->value().as_array())
      if (l.is_string()) add_label(std::string(l.as_string()));
  add_label(config_.approvals.jira_label_prefix + std::to_string(r.id));
  fields["labels"] = labels;

  if (auto it = settings.find("priority_by_severity"); it != settings.end() && it->value().is_object())
    if (auto p = it->value().as_object().find(r.severity); p != it->value().as_object().end() && p->value().is_string())
      fields["priority"] = {{"name", p->value().as_string()}};

  if (auto it = settings.find("components"); it != settings.end() && it->value().is_array() && !it->value().as_array().empty()) {
    boost::json::array components;
    for (const auto& name : it->value().as_array()) components.push_back(boost::json::object{{"name", name}});
    fields["components"] = components;
  }

  // Assignee: chat users map to Jira accounts through approvals.jira.account_ids; without a
  // mapping the issue is left to the project's default assignee rather than failing the create.
  std::string rule = json_string(settings, "assignee");
  std::optional<std::string> account;
  if (rule.rfind("account:", 0) == 0) account = rule.substr(8);
  else if (rule == "requester") account = jira_account(config_, r.requester);
  else if (rule == "final_approver") account = jira_account(config_, final_approver(r));
  else if (rule.rfind("role:", 0) == 0) account = jira_account(config_, json_string(settings, "assignee_user"));
  if (account && !account->empty()) fields["assignee"] = {{"id", *account}};

  return {{"fields", fields}};
}

TicketResult Approvals::record_ticket(storage::Database& db, std::int64_t request_id, const std::string& key,
                                      const std::string& url, UnixSeconds now) const {
  if (text::trim(key).empty()) throw invalid_input("a ticket key is required");
  auto tx = db.begin_write();
  auto record = load_request(db, request_id);
  if (!record) return {TicketOutcome::not_found, request_id, "There is no approval request #" + std::to_string(request_id) + "."};
  if (record->ticket) {
    if (record->ticket->key == key)
      return {TicketOutcome::already_recorded, request_id, "Ticket " + key + " was already recorded for request #" +
                                                               std::to_string(request_id) + "."};
    return {TicketOutcome::conflict, request_id,
            "Request #" + std::to_string(request_id) + " already has ticket " + record->ticket->key + "; " + key +
                " was not recorded."};
  }
  if (record->status != "approved")
    return {TicketOutcome::conflict, request_id,
            "Request #" + std::to_string(request_id) + " is " + record->status + ", not approved; no ticket recorded."};
  SQLite::Statement ins(db.sql(),
                        "INSERT INTO approval_tickets(request_id, system, ticket_key, url, created_at, updated_at) "
                        "VALUES (?, 'jira', ?, ?, ?, ?)");
  ins.bind(1, request_id);
  ins.bind(2, key);
  ins.bind(3, url);
  ins.bind(4, static_cast<std::int64_t>(now));
  ins.bind(5, static_cast<std::int64_t>(now));
  ins.exec();
  audit::append(db, {"system", "ticket.created", record->subject(), {{"key", key}, {"url", url}}}, now);
  detail::bump_version(db, *record, now);
  detail::queue_updates(*this, db, *record, now);
  tx.commit();
  return {TicketOutcome::recorded, request_id, "Ticket " + key + " recorded for request #" + std::to_string(request_id) + "."};
}

TicketResult Approvals::ticket_status_changed(storage::Database& db, const std::string& key, const std::string& status,
                                              const std::string& category, UnixSeconds now) const {
  auto tx = db.begin_write();
  SQLite::Statement q(db.sql(), "SELECT request_id, status, status_category FROM approval_tickets WHERE ticket_key = ?");
  q.bind(1, key);
  if (!q.executeStep()) return {TicketOutcome::not_found, 0, "No approval request has ticket " + key + "."};
  std::int64_t request_id = q.getColumn(0).getInt64();
  std::string old_status = q.getColumn(1).getString(), old_category = q.getColumn(2).getString();
  q.reset();
  std::string cat = text::to_lower(category);
  if (old_status == status && old_category == cat)
    return {TicketOutcome::unchanged, request_id, "Ticket " + key + " is already " + status + "."};

  std::string outcome;
  if (cat == "done") {
    outcome = "done";
    for (const auto& s : config_.approvals.jira_wont_do_statuses)
      if (text::iequals(s, status)) outcome = "wont_do";
  }
  SQLite::Statement upd(db.sql(),
                        "UPDATE approval_tickets SET status = ?, status_category = ?, updated_at = ? WHERE ticket_key = ?");
  upd.bind(1, status);
  upd.bind(2, cat);
  upd.bind(3, static_cast<std::int64_t>(now));
  upd.bind(4, key);
  upd.exec();
  SQLite::Statement req(db.sql(), "UPDATE approval_requests SET outcome = ? WHERE id = ?");
  req.bind(1, outcome);
  req.bind(2, request_id);
  req.exec();
  auto record = load_request(db, request_id);
  audit::append(db,
                {"system", "ticket.status", record->subject(),
                 {{"key", key}, {"from", old_status}, {"to", status}, {"category", cat}, {"outcome", outcome}}},
                now);
  detail::bump_version(db, *record, now);
  detail::queue_updates(*this, db, *record, now);
  detail::queue_incident_status(db, *record, now);
  tx.commit();
  return {TicketOutcome::status_changed, request_id,
          "Ticket " + key + " moved to " + status + "; request #" + std::to_string(request_id) + " updated."};
}

const char* to_string(TicketOutcome outcome) {
  switch (outcome) {
    case TicketOutcome::recorded: return "recorded";
    case TicketOutcome::already_recorded: return "already_recorded";
    case TicketOutcome::status_changed: return "status_changed";
    case TicketOutcome::unchanged: return "unchanged";
    case TicketOutcome::not_found: return "not_found";
    case TicketOutcome::conflict: return "conflict";
  }
  return "?";
}

}  // namespace costbot::approvals
