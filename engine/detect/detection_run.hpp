#pragma once
// `costbot detect` / the scheduler's detect job: every detector over the store, in one write
// transaction. Cost anomalies per configured scope, every enabled waste rule, every budget.
// Findings are upserted by fingerprint and grouped into incidents; incidents resolve when their
// series is back to baseline (cost anomalies) or when the state is no longer found (waste,
// budgets). Running it twice changes nothing the second time.
#include <cstdint>
#include <optional>
#include <vector>

#include "engine/config/config.hpp"
#include "engine/storage/database.hpp"
#include "engine/util/time.hpp"

namespace costbot::detect {

struct DetectionSummary {
  Day as_of{};
  bool had_data = false;
  int findings_new = 0;
  int findings_updated = 0;
  int findings_suppressed = 0;   // found, but silenced by feedback (kept, status suppressed)
  int incidents_opened = 0;
  int incidents_resolved = 0;
  int open_incidents = 0;
  std::vector<std::int64_t> new_finding_ids;   // for routing: what to tell people about
  std::vector<std::int64_t> opened_incident_ids;
};

// `as_of`: the day to evaluate (default: the latest day with cost data).
DetectionSummary run_detection(storage::Database& db, const config::Config& config, UnixSeconds now,
                               std::optional<Day> as_of = std::nullopt);

}  // namespace costbot::detect
