#pragma once
// Feedback from people on a finding or incident: the chat "Not an anomaly" button, approval
// rejections, `costbot feedback`. Each kind has a visible effect:
//   confirmed    - counts as a true positive for the rule's precision; nothing else changes
//   not_anomaly  - dismisses it, silences the scope for feedback.suppress_days, and makes the
//                  threshold stricter by feedback.retune_factor (anomalies: for that scope;
//                  waste rules: the rule's retune threshold)
//   planned      - "planned until DATE": registers a planned event for the scope until DATE,
//                  silences the scope until then, closes the incident as planned
//   noise_floor  - "below my noise floor": raises the minimum daily impact to this finding's
//                  impact x feedback.noise_floor_margin (scope for anomalies, rule for waste),
//                  silences for suppress_days, dismisses it
//   rejected     - an approval was rejected: dismissed and silenced for suppress_days, no retune
// Precision per rule = confirmed / (confirmed + not_anomaly + noise_floor + rejected).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/config/config.hpp"
#include "engine/storage/database.hpp"
#include "engine/util/time.hpp"

namespace costbot::detect {

enum class FeedbackKind { confirmed, not_anomaly, planned, noise_floor, rejected };
std::optional<FeedbackKind> parse_feedback_kind(std::string_view s);  // also accepts "not-anomaly", "noise-floor", ...
std::string_view to_string(FeedbackKind k);
const std::vector<std::string>& feedback_kind_names();

struct FeedbackResult {
  std::int64_t feedback_id = 0;
  std::int64_t finding_id = 0;
  std::int64_t incident_id = 0;
  std::string rule_id;
  std::string scope_dimension, scope_value;
  std::string effect;  // what changed, in words
  std::optional<Day> suppressed_until;
  // The finding already had this feedback (a double click, two people at once): nothing changed.
  // Checked inside the write transaction, so a retune never happens twice.
  bool already_recorded = false;
};

// `subject`: a finding id ("42" or "F42") or an incident id ("I7"); an incident stands for its
// latest finding. Throws Error(not_found) / Error(invalid_input) (planned needs `until`). Audited
// (feedback.<kind>) in the same transaction as the change.
FeedbackResult record_feedback(storage::Database& db, const config::Config& config, const std::string& subject,
                               FeedbackKind kind, const std::string& actor, const std::string& reason,
                               std::optional<Day> until, UnixSeconds now);

struct RulePrecision {
  std::string rule_id;
  int confirmed = 0, dismissed = 0, planned = 0;
  double precision() const { return confirmed + dismissed ? double(confirmed) / (confirmed + dismissed) : -1; }
};
std::vector<RulePrecision> rule_precision(storage::Database& db);

// Thresholds as they are now, for every rule (waste rules, one anomaly rule per scope dimension,
// budgets), with every per-scope override and silence feedback has made.
struct RuleView {
  std::string rule_id, kind, description, severity;
  std::string signals;  // what the rule reads (billing, usage metrics, daily cost)
  bool enabled = true;
  std::vector<std::pair<std::string, std::string>> thresholds;  // name -> value as shown (effective)
  std::vector<std::string> overrides;  // "team=payments: threshold 5 (x1.25), min impact $300/day, silenced until 2024-10-02"
  RulePrecision precision;
};
std::vector<RuleView> rule_views(storage::Database& db, const config::Config& config, Day today);

}  // namespace costbot::detect
