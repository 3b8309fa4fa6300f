#include "engine/tickets/incident_sync.hpp"

#include <fmt/format.h>

#include "engine/detect/finding_store.hpp"
#include "engine/messages/message.hpp"
#include "engine/tickets/detection_effects.hpp"
#include "engine/util/format.hpp"
#include "engine/util/hash.hpp"

namespace costbot::tickets {
namespace json = boost::json;
namespace {

struct Watched {
  std::int64_t request_id = 0;
  std::string key, status_category, finding_id;
};

std::vector<Watched> watched_tickets(storage::Database& db) {
  SQLite::Statement q(db.sql(),
                      "SELECT t.request_id, t.ticket_key, t.status_category, r.finding_id FROM approval_tickets t "
                      "JOIN approval_requests r ON r.id = t.request_id WHERE r.finding_id IS NOT NULL ORDER BY t.request_id");
  std::vector<Watched> out;
  while (q.executeStep())
    out.push_back({q.getColumn(0).getInt64(), q.getColumn(1).getString(), q.getColumn(2).getString(),
                   q.getColumn(3).getString()});
  return out;
}

// What a comment describes. Peak impact is rounded to whole units so float noise is no change.
json::object state_of(const detect::Incident& i) {
  return {{"status", i.status},
          {"severity", i.severity},
          {"finding_count", i.finding_count},
          {"last_day", format_day(i.last_day)},
          {"peak", static_cast<std::int64_t>(i.peak_impact_per_day + 0.5)}};
}

std::string text_of(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_int64()) return std::to_string(v.as_int64());
  return json::serialize(v);
}

}  // namespace

SyncReport sync_ticket_incidents(storage::Database& db, const config::Config& config, const render::Templates& templates,
                                 UnixSeconds now) {
  SyncReport report;
  const auto& jira = config.jira;
  for (const auto& w : watched_tickets(db)) {
    auto finding = detection_finding_id(w.finding_id);
    if (!finding) continue;
    auto tx = db.begin_write();
    detect::FindingStore store(db);
    auto f = store.finding(*finding);
    if (!f || !f->incident_id) continue;
    auto incident = store.incident(f->incident_id);
    if (!incident) continue;
    ++report.tickets;
    auto current = state_of(*incident);

    SQLite::Statement prev_q(db.sql(), "SELECT state FROM ticket_incident_sync WHERE request_id = ?");
    prev_q.bind(1, w.request_id);
    json::object previous;
    bool first_look = false;
    if (prev_q.executeStep()) {
      boost::system::error_code ec;
      auto v = json::parse(prev_q.getColumn(0).getString(), ec);
      if (!ec && v.is_object()) previous = v.as_object();
    } else {
      // First look: this is the state the ticket was opened with, except that an incident already
      // closed still counts as a change (its ticket should learn it and may be moved to done).
      first_look = true;
      previous = current;
      previous["status"] = "open";
    }
    prev_q.reset();

    auto save = [&] {
      SQLite::Statement up(db.sql(),
                           "INSERT INTO ticket_incident_sync(request_id, incident_id, state, synced_at) VALUES (?, ?, ?, ?) "
                           "ON CONFLICT(request_id) DO UPDATE SET incident_id = excluded.incident_id, "
                           "state = excluded.state, synced_at = excluded.synced_at");
      up.bind(1, w.request_id);
      up.bind(2, incident->id);
      up.bind(3, json::serialize(current));
      up.bind(4, static_cast<std::int64_t>(now));
      up.exec();
    };
    if (previous == current) {
      if (first_look) {
        save();
        tx.commit();
      }
      continue;
    }

    const std::string incident_ref = "I" + std::to_string(incident->id);
    const bool closed_now = text_of(previous["status"]) == "open" && incident->status != "open";
    const bool resolved_now = closed_now && incident->status == "resolved";
    const bool from_ticket = incident->resolution.find("ticket " + w.key + " ") != std::string::npos;
    const bool transition = resolved_now && jira.transition_on_resolve && w.status_category != "done";
    const std::string state_hash = hash::sha256_hex(json::serialize(current)).substr(0, 12);
    const std::string key_base = "ticket:" + w.key + ":incident:" + std::to_string(incident->id) + ":";

    if (jira.comment_on_incident_change && !from_ticket) {
      json::array changes;
      auto change = [&](const char* field, const char* label, auto format) {
        auto before = previous.if_contains(field);
        auto after = current.if_contains(field);
        if (before && after && *before == *after) return;
        std::string from = before ? format(*before) : std::string("(none)");
        std::string to = after ? format(*after) : std::string("(none)");
        changes.push_back({{"what", label}, {"from", from.empty() ? "(none)" : from}, {"to", to.empty() ? "(none)" : to}});
      };
      auto plain = [](const json::value& v) { return text_of(v); };
      auto money = [&](const json::value& v) {
        return fmtx::money(v.is_int64() ? static_cast<double>(v.as_int64()) : 0.0, 0, config.currency.base) + "/day";
      };
      change("status", "Status", plain);
      change("severity", "Severity", plain);
      change("finding_count", "Findings", plain);
      change("last_day", "Latest day", plain);
      change("peak", "Peak impact", money);
      json::object view{{"incident_ref", incident_ref},
                        {"headline", closed_now ? "is " + incident->status + ": " + incident->title
                                                : "changed: " + incident->title},
                        {"changes", changes},
                        {"has_changes", !changes.empty()},
                        {"will_transition", transition},
                        {"done_transition", jira.done_transition},
                        {"ref", key_base + state_hash}};
      if (!incident->resolution.empty()) view["resolution"] = incident->resolution;
      auto body = templates.render_json(kIncidentCommentTemplate, view);
      messages::enqueue(db, key_base + "comment:" + state_hash,
                        messages::TicketComment{w.key, key_base + state_hash, "approval:" + std::to_string(w.request_id),
                                                body.is_object() ? body.as_object() : json::object{}},
                        now);
      ++report.comments;
    }
    if (transition) {
      messages::enqueue(db, key_base + "transition:done",
                        messages::TicketTransition{w.key, jira.done_transition, "approval:" + std::to_string(w.request_id),
                                                   "incident " + incident_ref + " resolved"},
                        now);
      ++report.transitions;
    }
    save();
    tx.commit();
    report.lines.push_back(fmt::format("{} follows incident {} ({}{}{})", w.key, incident_ref, incident->status,
                                       jira.comment_on_incident_change && !from_ticket ? ", comment queued" : "",
                                       transition ? ", moving to done" : ""));
  }
  return report;
}

}  // namespace costbot::tickets
