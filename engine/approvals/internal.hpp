#pragma once
// Pieces shared by the approvals .cpp files (not part of the public API).
#include <boost/json.hpp>

#include <string>
#include <vector>

#include "engine/approvals/approvals.hpp"

namespace costbot::approvals::detail {

// The request's facts for every template (unescaped; people by id: see engine/messages/style.hpp).
boost::json::object build_view(const config::Config& config, const RequestRecord& record);
// The web channel's buttons: [{verb, label, subject}].
boost::json::array web_actions(const RequestRecord& record);
std::string when_text(UnixSeconds t);  // "Sep 18 14:02 UTC"

// --- outbox effects (call inside the transition's write transaction) ---
// The first post of a new request to every configured channel.
void queue_initial_posts(const Approvals& approvals, storage::Database& db, const RequestRecord& record,
                         UnixSeconds now);
// After a transition: redraw every copy in place (and post to the web feed if it has no copy yet).
void queue_updates(const Approvals& approvals, storage::Database& db, const RequestRecord& record, UnixSeconds now);
// A reminder or notification, as a reply under every posted copy (and on the web feed).
void queue_escalation_notice(const Approvals& approvals, storage::Database& db, const RequestRecord& record,
                             int stage_idx, int step_idx, const std::string& action,
                             const std::vector<std::string>& people, UnixSeconds now);
void queue_ticket_creation(const Approvals& approvals, storage::Database& db, const RequestRecord& record,
                           UnixSeconds now);
// Hooks for the detection engine (delivered by a handler the wiring registers for these kinds).
void queue_detection_feedback(storage::Database& db, const RequestRecord& record, const std::string& actor,
                              UnixSeconds now);
void queue_incident_status(storage::Database& db, const RequestRecord& record, UnixSeconds now);

// --- state machine steps (inside a write transaction) ---
struct Applied {
  Outcome outcome = Outcome::applied;
  std::string message;
};
// Records the verdict for `principals` at the record's current stage and moves the machine:
// quorum → next stage or final approval; any reject → rejected. `forced` (escalation) decides the
// stage outright. Bumps the version, audits, queues updates (+ ticket / feedback). `record` is
// reloaded afterwards.
Applied apply_verdict(const Approvals& approvals, storage::Database& db, RequestRecord& record, const std::string& actor,
                      const std::vector<std::string>& principals, Verdict verdict, const std::string& reason,
                      const std::string& source, bool forced, UnixSeconds now);
// version + 1 and updated_at, then reload.
void bump_version(storage::Database& db, RequestRecord& record, UnixSeconds now);

std::string stage_label(const RequestRecord& record, int idx);  // "'Team lead' (stage 1 of 3)"

}  // namespace costbot::approvals::detail
