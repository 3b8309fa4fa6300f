// POST /jira/webhook: Jira tells us a ticket moved. Verified first (X-Hub-Signature or ?token=,
// adapters/jira/webhook.hpp): a failure is 401 and nothing is read further. A malformed body is 400
// with the reason. An issue event for a costbot ticket moves the request's ticket status through
// approvals::Approvals::ticket_status_changed, which edits every posted copy of the request and
// queues detect.incident_status (Done → the incident is resolved; Won't Do → feedback). Anything
// else (another issue, another event) is acknowledged with 200 and ignored, so Jira does not retry.
// A delivery older than the last one applied to the same ticket changes nothing.
#include <spdlog/spdlog.h>

#include "adapters/jira/webhook.hpp"
#include "bot/approvals/app.hpp"
#include "bot/server/errors.hpp"
#include "bot/service/service.hpp"
#include "engine/util/strings.hpp"

namespace costbot::approvals_app {
namespace {

using server::Request;
using server::Response;

// True when this delivery is not older than the last one applied to the ticket.
bool newest_so_far(storage::Database& db, const std::string& key, std::int64_t timestamp) {
  if (timestamp <= 0) return true;
  SQLite::Statement q(db.sql(), "SELECT last_timestamp FROM jira_webhook_state WHERE ticket_key = ?");
  q.bind(1, key);
  return !q.executeStep() || q.getColumn(0).getInt64() <= timestamp;
}

void remember(storage::Database& db, const std::string& key, std::int64_t timestamp, UnixSeconds now) {
  if (timestamp <= 0) return;
  auto tx = db.begin_write();
  SQLite::Statement up(db.sql(),
                       "INSERT INTO jira_webhook_state(ticket_key, last_timestamp, updated_at) VALUES (?, ?, ?) "
                       "ON CONFLICT(ticket_key) DO UPDATE SET last_timestamp = MAX(last_timestamp, excluded.last_timestamp), "
                       "updated_at = excluded.updated_at");
  up.bind(1, key);
  up.bind(2, timestamp);
  up.bind(3, static_cast<std::int64_t>(now));
  up.exec();
  tx.commit();
}

Response handle(App& app, Request& req) {
  const auto& jira = app.config().jira;
  jira::verify_webhook(jira.webhook_secret.reveal(), jira::parse_webhook_auth(jira.webhook_auth),
                       req.header("x-hub-signature"), req.query_param("token"), req.body);
  // A verified delivery is Jira acting: it may move tickets (and so resolve or dismiss findings),
  // asked of engine/auth like every other surface.
  auth::Principal jira_principal;
  jira_principal.platform = "jira";
  jira_principal.via = "jira webhook (verified)";
  jira_principal.carried = {auth::Role::finops_admin};
  app.svc.authorizer().require(jira_principal, auth::Action::ticket_update);
  if (auto type = req.header("content-type"); type && !text::starts_with_icase(*type, "application/json"))
    throw invalid_input("expected an application/json body, got " + std::string(*type));
  auto event = jira::parse_issue_event(req.body);
  if (!event) return Response::json(200, {{"ignored", "not an issue event"}});
  if (event->event == "jira:issue_deleted") return Response::json(200, {{"ignored", "issue deleted"}, {"ticket", event->key}});

  auto& db = app.svc.db();
  auto now = app.svc.clock().now();
  if (!newest_so_far(db, event->key, event->timestamp))
    return Response::json(200, {{"ignored", "older than the last update applied"}, {"ticket", event->key}});
  auto result = app.engine->ticket_status_changed(db, event->key, event->status, event->status_category, now);
  if (result.outcome == approvals::TicketOutcome::not_found)
    return Response::json(200, {{"ignored", "not a costbot ticket"}, {"ticket", event->key}});
  remember(db, event->key, event->timestamp, now);
  if (result.outcome == approvals::TicketOutcome::status_changed) {
    app.svc.wake_outbox();
    spdlog::info("Jira {} moved to {} ({}){}: {}", event->key, event->status, event->status_category,
                 event->actor.empty() ? "" : " by " + event->actor, result.message);
  }
  return Response::json(200, {{"ticket", event->key},
                              {"status", event->status},
                              {"outcome", approvals::to_string(result.outcome)},
                              {"request_id", result.request_id}});
}

}  // namespace

void add_jira_webhook_route(const std::shared_ptr<App>& app) {
  if (app->config().jira.webhook_secret.empty()) {
    app->svc.router().add("POST", "/jira/webhook", [](Request& req) {
      return server::error_response(503, "The Jira webhook is not configured on this service: set jira.webhook_secret or "
                                         "JIRA_WEBHOOK_SECRET", req.id);
    });
    return;
  }
  app->svc.router().add("POST", "/jira/webhook", [app](Request& req) { return handle(*app, req); });
}

}  // namespace costbot::approvals_app
