#include "bot/web/web_views.hpp"

#include "engine/detect/finding_store.hpp"
#include "engine/util/log.hpp"
#include "engine/util/time.hpp"

namespace costbot::web {
namespace json = boost::json;
namespace {

json::object finding_json(const detect::Finding& f) {
  auto o = detect::to_json(f);
  o["subject"] = "finding:" + std::to_string(f.id);
  // Every finding has a cost trend to draw: its series, or the daily cost of its scope.
  o["chart_url"] = "/charts/" + std::to_string(f.id) + ".png";
  o["actions"] = json::array{};
  if (detect::is_cost_anomaly(f.kind) && f.status == "open")
    o["actions"] = json::array{{{"verb", "not_anomaly"}, {"label", "Not an anomaly"}, {"subject", o["subject"]}}};
  return o;
}

std::optional<std::int64_t> int_or_null(SQLite::Column c) {
  if (c.isNull()) return std::nullopt;
  return c.getInt64();
}

}  // namespace

json::object findings_view(storage::Database& db, const ViewFilter& filter) {
  detect::FindingStore store(db);
  json::array items;
  if (filter.id) {
    if (auto f = store.finding(filter.id)) items.push_back(finding_json(*f));
    return {{"findings", items}};
  }
  detect::FindingQuery q = filter.open_only ? detect::FindingQuery::open() : detect::FindingQuery{};
  q.limit = filter.limit;
  for (const auto& f : store.findings(q)) items.push_back(finding_json(f));
  return {{"findings", items}};
}

json::object incidents_view(storage::Database& db, const ViewFilter& filter) {
  detect::FindingStore store(db);
  std::vector<detect::Incident> list;
  if (filter.id) {
    if (auto one = store.incident(filter.id)) list.push_back(*one);
  } else {
    detect::FindingQuery q = filter.open_only ? detect::FindingQuery::open() : detect::FindingQuery{};
    q.limit = filter.limit;
    list = store.incidents(q);
  }
  json::array items;
  for (const auto& i : list) {
    auto o = detect::to_json(i);
    o["subject"] = "incident:" + std::to_string(i.id);
    if (i.latest_finding_id)
      if (auto f = store.finding(i.latest_finding_id)) o["latest_finding"] = finding_json(*f);
    items.push_back(std::move(o));
  }
  return {{"incidents", items}};
}

json::object tickets_view(storage::Database& db) {
  json::array tickets, awaiting;
  SQLite::Statement t(db.sql(),
                      "SELECT r.id, r.title, r.team, r.amount, r.outcome, t.system, t.ticket_key, t.url, t.status, "
                      "t.status_category, t.created_at, t.updated_at FROM approval_tickets t "
                      "JOIN approval_requests r ON r.id = t.request_id ORDER BY t.created_at DESC, r.id DESC LIMIT 200");
  while (t.executeStep()) {
    tickets.push_back({{"request_id", t.getColumn(0).getInt64()},
                       {"subject", "approval:" + std::to_string(t.getColumn(0).getInt64())},
                       {"title", t.getColumn(1).getString()},
                       {"team", t.getColumn(2).getString()},
                       {"amount", t.getColumn(3).getDouble()},
                       {"outcome", t.getColumn(4).getString()},
                       {"system", t.getColumn(5).getString()},
                       {"key", t.getColumn(6).getString()},
                       {"url", t.getColumn(7).getString()},
                       {"status", t.getColumn(8).getString()},
                       {"status_category", t.getColumn(9).getString()},
                       {"created_at", format_instant(t.getColumn(10).getInt64())},
                       {"updated_at", format_instant(t.getColumn(11).getInt64())}});
  }
  // Approved requests without a ticket yet: the ticket effect is queued, being retried, or failed.
  SQLite::Statement a(db.sql(),
                      "SELECT r.id, r.title, r.team, r.amount, r.closed_at, o.status, o.attempts, o.last_error, "
                      "o.next_attempt_at FROM approval_requests r "
                      "LEFT JOIN outbox o ON o.idempotency_key = 'approval:' || r.id || ':jira.create_issue' "
                      "WHERE r.status = 'approved' AND NOT EXISTS (SELECT 1 FROM approval_tickets t WHERE t.request_id = r.id) "
                      "ORDER BY r.id DESC LIMIT 200");
  while (a.executeStep()) {
    json::object o{{"request_id", a.getColumn(0).getInt64()},
                   {"subject", "approval:" + std::to_string(a.getColumn(0).getInt64())},
                   {"title", a.getColumn(1).getString()},
                   {"team", a.getColumn(2).getString()},
                   {"amount", a.getColumn(3).getDouble()}};
    if (auto closed = int_or_null(a.getColumn(4))) o["approved_at"] = format_instant(*closed);
    if (a.getColumn(5).isNull()) {
      o["state"] = "no ticket requested";  // the workflow opens no ticket (create_ticket: false)
    } else {
      o["state"] = a.getColumn(5).getString();  // pending, in_flight, done, failed
      o["attempts"] = a.getColumn(6).getInt64();
      // An error from the tracker may quote what we sent; never show a secret.
      if (auto error = a.getColumn(7).getString(); !error.empty()) o["last_error"] = log::redact(error);
      if (auto next = int_or_null(a.getColumn(8))) o["next_attempt_at"] = format_instant(*next);
    }
    awaiting.push_back(std::move(o));
  }
  return {{"tickets", tickets}, {"awaiting", awaiting}};
}

}  // namespace costbot::web
