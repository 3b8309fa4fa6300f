// Outbox deliveries of the ticket and detection effects.
//
// ticket.create — exactly one ticket per request, whatever fails when:
//   1. the request already has its ticket recorded → done (a redelivery after a crash);
//   2. Jira: search the idempotency label with JQL; found → record that issue, create nothing;
//   3. not found, but a create was sent less than jira.search_settle ago and its answer was lost →
//      wait (search lags behind creates); otherwise note the attempt (committed before the call),
//      create, and record the key through approvals::record_ticket, which edits every posted copy
//      of the request to show the ticket;
//   without Jira: the local ticket outbox (engine/tickets/local_tickets), unique per label.
// ticket.comment / ticket.transition — the ticket follows its incident (engine/tickets/incident_sync).
// detect.feedback / detect.incident_status — engine/tickets/detection_effects, no network.
#include <spdlog/spdlog.h>

#include "bot/approvals/app.hpp"
#include "bot/outbox/worker.hpp"
#include "bot/service/service.hpp"
#include "engine/tickets/detection_effects.hpp"
#include "engine/tickets/local_tickets.hpp"
#include "engine/util/json_fields.hpp"
#include "engine/util/strings.hpp"

namespace costbot::approvals_app {
namespace json = boost::json;
namespace {

// The engine's answer to "this request now has ticket KEY" as the effect's result.
json::object record(App& app, outbox::DeliveryContext& ctx, std::int64_t request_id, const std::string& key,
                    const std::string& url, const char* via, bool found) {
  auto result = app.engine->record_ticket(ctx.db, request_id, key, url, ctx.now);
  if (result.outcome == approvals::TicketOutcome::not_found || result.outcome == approvals::TicketOutcome::conflict)
    throw outbox::DeliveryError(result.message, false);
  ctx.wake();  // the message updates that show the ticket
  spdlog::info("approval #{}: ticket {} ({}{}): {}", request_id, key, via, found ? ", found by its label" : "",
               approvals::to_string(result.outcome));
  return {{"key", key}, {"url", url}, {"via", via}, {"found_by_label", found}, {"outcome", approvals::to_string(result.outcome)}};
}

std::optional<UnixSeconds> last_attempt(storage::Database& db, const std::string& label) {
  SQLite::Statement q(db.sql(), "SELECT last_attempt_at FROM jira_create_attempts WHERE idempotency_label = ?");
  q.bind(1, label);
  if (!q.executeStep()) return std::nullopt;
  return q.getColumn(0).getInt64();
}

void note_attempt(storage::Database& db, const std::string& label, UnixSeconds now) {
  auto tx = db.begin_write();
  SQLite::Statement up(db.sql(),
                       "INSERT INTO jira_create_attempts(idempotency_label, attempts, last_attempt_at) VALUES (?, 1, ?) "
                       "ON CONFLICT(idempotency_label) DO UPDATE SET attempts = attempts + 1, "
                       "last_attempt_at = excluded.last_attempt_at");
  up.bind(1, label);
  up.bind(2, static_cast<std::int64_t>(now));
  up.exec();
  tx.commit();
}

void forget_attempt(storage::Database& db, const std::string& label) {
  SQLite::Statement del(db.sql(), "DELETE FROM jira_create_attempts WHERE idempotency_label = ?");
  del.bind(1, label);
  del.exec();
}

json::value create_issue(App& app, const messages::TicketCreate& create, outbox::DeliveryContext& ctx) {
  const auto request_id = create.request_id;
  auto record_now = approvals::load_request(ctx.db, request_id);
  if (!record_now) throw outbox::DeliveryError("there is no approval request #" + std::to_string(request_id), false);
  if (record_now->ticket)
    return json::object{{"key", record_now->ticket->key}, {"url", record_now->ticket->url}, {"outcome", "already_recorded"}};
  const std::string& label = create.idempotency_label;
  const json::object& body = create.body;

  if (!app.jira) {
    bool created = false;
    auto ticket = tickets::create_local_ticket(ctx.db, app.config().jira.local_key_prefix, label, request_id, body, ctx.now,
                                               &created);
    return record(app, ctx, request_id, ticket.key, "", "local", !created);
  }

  const std::string& jql = create.jql;
  if (jql.empty()) throw outbox::DeliveryError("ticket.create has no jql to look its label up with", false);
  auto found = app.jira->search(jql);
  if (!found.empty()) {
    if (found.size() > 1)
      spdlog::warn("approval #{}: {} Jira issues carry label {}; recording {}", request_id, found.size(), label,
                   found.front().key);
    return record(app, ctx, request_id, found.front().key, app.jira->browse_url(found.front().key), "jira", true);
  }
  if (auto last = last_attempt(ctx.db, label)) {
    auto settle = app.config().jira.search_settle;
    if (ctx.now - *last < settle)
      throw outbox::DeliveryError("a create for " + label + " was sent " + std::to_string(ctx.now - *last) +
                                      "s ago and its answer was lost; searching again once Jira has indexed it",
                                  true, std::chrono::seconds(settle - (ctx.now - *last)));
  }
  note_attempt(ctx.db, label, ctx.now);  // committed before the call: a crash after it leaves the trace
  jira::IssueRef issue;
  try {
    issue = app.jira->create_issue(body);
  } catch (const http::NetworkError& e) {
    if (!e.maybe_processed()) forget_attempt(ctx.db, label);  // never reached Jira
    throw;
  } catch (const http::RemoteError& e) {
    // Refused before acting (rate limit) or never acceptable (4xx): nothing was created.
    if (e.kind() == ErrorKind::too_many_requests || !e.retryable()) forget_attempt(ctx.db, label);
    throw;
  }
  return record(app, ctx, request_id, issue.key, app.jira->browse_url(issue.key), "jira", false);
}

bool is_local_key(App& app, const std::string& key) {
  return text::starts_with_icase(key, app.config().jira.local_key_prefix + "-");
}

json::value add_comment(App& app, const messages::TicketComment& comment, const outbox::Item& item,
                        outbox::DeliveryContext& ctx) {
  const std::string& key = comment.ticket_key;
  const json::value body(comment.body);
  if (is_local_key(app, key) || !app.jira) {
    if (!tickets::find_local_ticket(ctx.db, key))
      throw outbox::DeliveryError("ticket " + key + " is not a local ticket and Jira is not configured", false);
    bool added = tickets::comment_local_ticket(ctx.db, key, body, item.idempotency_key, ctx.now);
    return json::object{{"ticket", key}, {"via", "local"}, {"added", added}};
  }
  // A retry may follow a comment whose answer was lost: look for this comment's reference first.
  const std::string& ref = comment.ref;
  if (item.attempts > 1 && !ref.empty() && app.jira->has_comment_containing(key, ref))
    return json::object{{"ticket", key}, {"via", "jira"}, {"found", true}};
  auto id = app.jira->add_comment(key, body);
  return json::object{{"ticket", key}, {"via", "jira"}, {"comment_id", id}};
}

json::value transition(App& app, const messages::TicketTransition& move, const outbox::Item& item,
                       outbox::DeliveryContext& ctx) {
  const std::string& key = move.ticket_key;
  const std::string wanted = move.transition.empty() ? app.config().jira.done_transition : move.transition;
  std::string status = "Done", category = "done";
  const char* via = "jira";
  if (is_local_key(app, key) || !app.jira) {
    if (!tickets::find_local_ticket(ctx.db, key))
      throw outbox::DeliveryError("ticket " + key + " is not a local ticket and Jira is not configured", false);
    via = "local";
    tickets::transition_local_ticket(ctx.db, key, status, category, item.idempotency_key, ctx.now);
  } else {
    auto available = app.jira->transitions(key);
    const jira::Transition* pick = nullptr;
    for (const auto& t : available)  // the configured transition (or status) by name first ...
      if (!pick && (text::iequals(t.name, wanted) || text::iequals(t.to_status, wanted))) pick = &t;
    for (const auto& t : available)  // ... else any that ends in a done status
      if (!pick && t.to_category == "done") pick = &t;
    if (pick) {
      app.jira->transition(key, pick->id);
      status = pick->to_status.empty() ? pick->name : pick->to_status;
      if (!pick->to_category.empty()) category = pick->to_category;
    } else {
      // No way to done from here: fine when it is done already (a retry after the move, or a person).
      auto current = app.jira->issue_status(key);
      if (current.status_category != "done") {
        std::vector<std::string> names;
        for (const auto& t : available) names.push_back(t.name);
        throw outbox::DeliveryError("ticket " + key + " (" + current.status + ") has no transition to \"" + wanted +
                                        "\" or to any done status; available: " +
                                        (names.empty() ? std::string("none") : text::join(names, ", ")),
                                    false);
      }
      status = current.status;
      category = current.status_category;
    }
  }
  // Show it now rather than when (if) the webhook comes back.
  auto result = app.engine->ticket_status_changed(ctx.db, key, status, category, ctx.now);
  ctx.wake();
  return json::object{{"ticket", key}, {"via", via}, {"status", status}, {"outcome", approvals::to_string(result.outcome)}};
}

}  // namespace

void register_deliveries(const std::shared_ptr<App>& app) {
  auto& worker = app->svc.outbox();
  outbox::register_typed<messages::TicketCreate>(
      worker, messages::outbox_kind(messages::TicketCreate{}),
      [app](const messages::TicketCreate& e, const outbox::Item&, outbox::DeliveryContext& ctx) { return create_issue(*app, e, ctx); });
  outbox::register_typed<messages::TicketComment>(
      worker, messages::outbox_kind(messages::TicketComment{}),
      [app](const messages::TicketComment& e, const outbox::Item& item, outbox::DeliveryContext& ctx) {
        return add_comment(*app, e, item, ctx);
      });
  outbox::register_typed<messages::TicketTransition>(
      worker, messages::outbox_kind(messages::TicketTransition{}),
      [app](const messages::TicketTransition& e, const outbox::Item& item, outbox::DeliveryContext& ctx) {
        return transition(*app, e, item, ctx);
      });
  worker.register_handler("detect.feedback", [app](const outbox::Item& item, outbox::DeliveryContext& ctx) -> json::value {
    return tickets::apply_rejection_feedback(ctx.db, app->config(), item.payload, ctx.now);
  });
  worker.register_handler("detect.incident_status",
                          [app](const outbox::Item& item, outbox::DeliveryContext& ctx) -> json::value {
                            return tickets::apply_ticket_outcome(ctx.db, app->config(), item.payload, ctx.now);
                          });
}

}  // namespace costbot::approvals_app
