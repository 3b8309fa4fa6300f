#pragma once
// A small world for persona-alert tests: a config (teams with budgets, roles and Slack channels,
// personas given per test), a migrated SQLite file, the real templates/, and two ways to make
// findings: real detection over synthetic cost data (a GPU spike in team payments), or findings
// written straight into the store (fast, any kind and severity).
#include <boost/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "engine/config/config.hpp"
#include "engine/detect/finding.hpp"
#include "engine/outbox/outbox.hpp"
#include "engine/render/templates.hpp"
#include "engine/storage/database.hpp"
#include "tests/support/approvals_support.hpp"  // outbox_rows
#include "tests/support/test_support.hpp"

namespace costbot::testing {

// Teams payments (budget $30,000, manager U0PAYMGR, director U0DIR, #payments-costs) and platform
// (budget $20,000, manager U0PLATMGR), a Slack token, then `personas_yaml` (a whole `personas:` and
// any other sections). Fails the test on a config issue.
config::Config alerts_config(const std::string& extra_yaml = "");

struct FindingSpec {
  std::string kind = "cost_spike";
  std::string team = "payments";
  std::string severity = "high";
  double impact_per_day = 800;
  double expected = 1000;
  std::string resource = "i-0abc123";
  std::string account = "111111111111";
  std::string region = "us-east-1";
  std::string sku = "p4d.24xlarge";
  std::string service = "Amazon Elastic Compute Cloud";
  std::string fingerprint;  // default: unique per call
  std::string day = "2024-09-18";
};

class AlertsWorld {
 public:
  explicit AlertsWorld(const std::string& extra_yaml = "");
  storage::Database& db() { return *db_; }
  config::Config& config() { return config_; }
  const render::Templates& templates() const { return templates_; }

  // 120 days of team payments (~$1,000/day, weekends $700, on two SKUs) ending 2024-09-18, with
  // `extra` dollars on sku-gpu / payments-gpu-1 on the last day; then real detection.
  void seed_spike(double extra = 9000);
  // Writes one open finding and its incident; returns the incident id.
  std::int64_t add_finding(const FindingSpec& spec, UnixSeconds now = 1726653600);
  // A newer finding in the same incident (higher impact), as a later detection run would.
  std::int64_t update_incident(std::int64_t incident_id, double impact_per_day, const std::string& severity,
                               UnixSeconds now = 1726657200);
  void resolve_incident(std::int64_t incident_id, UnixSeconds now = 1726660800);

 private:
  TempDir dir_;
  config::Config config_;
  std::unique_ptr<storage::Database> db_;
  render::Templates templates_;
  int next_ = 0;
};

}  // namespace costbot::testing
