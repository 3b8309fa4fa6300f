#include "engine/tickets/detection_effects.hpp"

#include "engine/detect/feedback.hpp"
#include "engine/detect/finding_store.hpp"
#include "engine/util/error.hpp"
#include "engine/util/json_fields.hpp"
#include "engine/util/strings.hpp"

namespace costbot::tickets {
namespace json = boost::json;
namespace {

bool has_feedback(storage::Database& db, std::int64_t finding, const std::string& kind, const std::string& actor,
                  const std::string& reason) {
  SQLite::Statement q(db.sql(),
                      "SELECT COUNT(*) FROM feedback WHERE finding_id = ? AND kind = ? AND actor = ? AND reason = ?");
  q.bind(1, finding);
  q.bind(2, kind);
  q.bind(3, actor);
  q.bind(4, reason);
  q.executeStep();
  return q.getColumn(0).getInt64() > 0;
}

json::object skipped(std::string why) { return {{"skipped", std::move(why)}}; }

// Feedback "rejected" once per (finding, actor, reason).
json::object reject_finding(storage::Database& db, const config::Config& config, std::int64_t finding,
                            const std::string& actor, const std::string& reason, UnixSeconds now) {
  if (has_feedback(db, finding, "rejected", actor, reason)) return {{"unchanged", "feedback already recorded"}};
  auto result = detect::record_feedback(db, config, "F" + std::to_string(finding), detect::FeedbackKind::rejected, actor,
                                        reason, std::nullopt, now);
  return {{"feedback_id", result.feedback_id}, {"finding", "F" + std::to_string(finding)}, {"effect", result.effect}};
}

}  // namespace

std::optional<std::int64_t> detection_finding_id(const std::string& finding_id) {
  std::string_view s = text::trim(finding_id);
  if (!s.empty() && (s[0] == 'F' || s[0] == 'f')) s.remove_prefix(1);
  auto id = text::parse_int(s);
  if (!id || *id <= 0) return std::nullopt;
  return *id;
}

json::object apply_rejection_feedback(storage::Database& db, const config::Config& config, const json::object& payload,
                                      UnixSeconds now) {
  if (auto* automatic = payload.if_contains("automatic"); automatic && automatic->is_bool() && automatic->as_bool())
    return skipped("an automatic (SLA) rejection says nothing about the finding");
  auto finding = detection_finding_id(json_string(payload, "finding_id"));
  if (!finding) return skipped("\"" + json_string(payload, "finding_id") + "\" is not a detection finding");
  if (!detect::FindingStore(db).finding(*finding)) return skipped("no finding F" + std::to_string(*finding));
  std::string actor = json_string(payload, "actor");
  if (actor.empty()) actor = "approvals";
  std::string reason = json_string(payload, "reason");
  if (reason.empty()) reason = "approval request rejected";
  return reject_finding(db, config, *finding, actor, reason, now);
}

json::object apply_ticket_outcome(storage::Database& db, const config::Config& config, const json::object& payload,
                                  UnixSeconds now) {
  auto finding = detection_finding_id(json_string(payload, "finding_id"));
  if (!finding) return skipped("\"" + json_string(payload, "finding_id") + "\" is not a detection finding");
  const std::string outcome = json_string(payload, "outcome");
  const std::string key = json_string(payload, "ticket_key");
  const std::string status = json_string(payload, "ticket_status");
  if (outcome == "wont_do") {
    if (!detect::FindingStore(db).finding(*finding)) return skipped("no finding F" + std::to_string(*finding));
    return reject_finding(db, config, *finding, "jira", "ticket " + key + " closed as " + status, now);
  }
  if (outcome != "done") return {{"unchanged", "ticket " + key + " is " + (status.empty() ? outcome : status)}};

  auto tx = db.begin_write();
  detect::FindingStore store(db);
  auto f = store.finding(*finding);
  if (!f) return skipped("no finding F" + std::to_string(*finding));
  const std::string resolution = "ticket " + key + " done (" + status + ")";
  json::object result;
  if (f->incident_id) {
    auto incident = store.incident(f->incident_id);
    if (incident && incident->status == "open") {
      store.close_incident(incident->id, "resolved", resolution, now);
      result["resolved_incident"] = "I" + std::to_string(incident->id);
    } else {
      result["unchanged"] = "incident I" + std::to_string(f->incident_id) + " is already " +
                            (incident ? incident->status : std::string("gone"));
    }
  } else if (f->status == "open") {
    store.set_finding_status(f->id, "resolved", now);
    result["resolved_finding"] = "F" + std::to_string(f->id);
  } else {
    result["unchanged"] = "finding F" + std::to_string(f->id) + " is already " + f->status;
  }
  tx.commit();
  return result;
}

}  // namespace costbot::tickets
