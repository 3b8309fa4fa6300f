#pragma once
// Findings and incidents written straight through the detection store, for tests of what follows
// a finding (approval requests, tickets, feedback) without running detection.
#include <string>

#include "engine/detect/finding.hpp"
#include "engine/storage/database.hpp"

namespace costbot::testing {

struct FindingSeed {
  std::string kind = "idle_compute";
  std::string team = "payments";
  std::string severity = "high";
  std::string title = "Stop the idle instance i-0abc";
  std::string resource = "i-0abc";
  std::string day = "2024-09-16";
  double impact_per_day = 150;
  std::string fingerprint;  // default: kind|resource|day
};

// Upserts the finding and puts it into its incident; returns it with its id and incident id.
detect::Finding seed_finding(storage::Database& db, const FindingSeed& seed, UnixSeconds now);

}  // namespace costbot::testing
