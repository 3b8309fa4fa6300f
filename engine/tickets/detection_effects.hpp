#pragma once
// What approvals and tickets tell detection, delivered through the outbox (the approvals engine
// queues them in the transaction of the decision or the ticket move; bot/approvals registers these
// as the handlers of the effect kinds):
//
//   detect.feedback         a request about a finding was rejected: the finding is dismissed and
//                           its scope silenced (feedback "rejected", with the reason). An SLA
//                           auto-reject says nothing about the finding and is skipped.
//   detect.incident_status  the finding's ticket moved: done → the incident (or the finding) is
//                           resolved with "ticket KEY done"; won't do → feedback "rejected"
//                           (accepted cost: dismissed and silenced); reopened → nothing.
//
// Both are idempotent (a redelivery after a crash changes nothing twice) and return what they did
// as the effect's result. A request whose finding is not a detection finding (a free-text id from
// the CLI or the demo) is skipped, not failed.
#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "engine/config/config.hpp"
#include "engine/storage/database.hpp"
#include "engine/util/time.hpp"

namespace costbot::tickets {

// "42", "F42" → 42; anything else → nullopt (not a detection finding).
std::optional<std::int64_t> detection_finding_id(const std::string& finding_id);

boost::json::object apply_rejection_feedback(storage::Database& db, const config::Config& config,
                                             const boost::json::object& payload, UnixSeconds now);
boost::json::object apply_ticket_outcome(storage::Database& db, const config::Config& config,
                                         const boost::json::object& payload, UnixSeconds now);

}  // namespace costbot::tickets
