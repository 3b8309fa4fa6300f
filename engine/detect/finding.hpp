#pragma once
// What detection produces, for every consumer (CLI, chat messages, approvals, charts):
//  - Finding: one detected fact with its dollars, explanation and fix.
//  - Incident: findings of one scope and kind grouped over time (one open incident per scope and
//    kind, updated, never repeated).
// Stored in the findings / incidents tables (engine/storage/migrations/0020_detection.sql); read
// and written through FindingStore (finding_store.hpp).
#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/util/time.hpp"

namespace costbot::detect {

// Finding kinds. Cost anomalies (statistics on daily cost):
inline constexpr std::string_view kCostSpike = "cost_spike";
inline constexpr std::string_view kLevelShift = "level_shift";
inline constexpr std::string_view kDrift = "drift";
inline constexpr std::string_view kRunawayGrowth = "runaway_growth";
inline constexpr std::string_view kCostDrop = "cost_drop";          // a decrease that persists (a pipeline stopped?)
inline constexpr std::string_view kCostFlatline = "cost_flatline";  // weekly pattern and noise gone: idle
// Waste rules:
inline constexpr std::string_view kIdleCompute = "idle_compute";
inline constexpr std::string_view kUnattachedStorage = "unattached_storage";
inline constexpr std::string_view kOversizedInstance = "oversized_instance";
inline constexpr std::string_view kUnusedCommitment = "unused_commitment";
inline constexpr std::string_view kUntaggedSpend = "untagged_spend";
inline constexpr std::string_view kOffHoursNonprod = "off_hours_nonprod";
inline constexpr std::string_view kIdleResource = "idle_resource";
// Budgets:
inline constexpr std::string_view kBudgetActual = "budget_actual";
inline constexpr std::string_view kBudgetForecast = "budget_forecast";

// Incidents group findings by scope and family: the four cost-anomaly kinds share the family
// "cost_anomaly" (a spike that turns out to be a level shift stays one incident); every other
// kind is its own family.
std::string incident_family(std::string_view kind);
bool is_cost_anomaly(std::string_view kind);

enum class Severity { low = 0, medium = 1, high = 2, critical = 3 };
std::string_view to_string(Severity s);
std::optional<Severity> parse_severity(std::string_view s);

// A sub-dimension's share of a cost change: "sku X added $420/day, 71% of the change".
struct Contributor {
  std::string dimension;  // sku, resource, region, usage_type, account
  std::string value;
  double delta = 0;       // change per day, base currency
  double share = 0;       // delta / total change (0..1 for contributors in the change's direction)
};

// Another scope that saw the same change (correlation.hpp): context, never added up.
struct RelatedScope {
  std::string dimension, value;
  std::string kind;
  Day day{};
  double impact_per_day = 0;
  double percent_change = 0;
  double share = 0;  // of that scope's change carried by this finding's scope
};

struct Remediation {
  std::string text;
  std::string command;  // optional: a command that applies the fix
};

struct Finding {
  std::int64_t id = 0;
  std::string fingerprint;     // identity: the same fact detected again updates, never duplicates
  std::string kind;            // see the k* constants above
  std::string rule_id;         // waste: the rule's id; anomalies: "anomaly:<dimension>"; budgets: "budget:<name>"
  std::string scope_dimension; // team, service, account, provider, resource, ...
  std::string scope_value;
  std::string team;
  std::string provider, account, service, region, resource, sku;
  std::string severity = "low";  // critical | high | medium | low
  std::string title;
  std::string summary;
  Day day{};                     // the day detected (anomalies), or the evaluation day (rules, budgets)
  std::optional<Day> window_start, window_end;
  double expected = 0, lower = 0, upper = 0, actual = 0;
  double impact_per_day = 0;     // base currency per day (positive = costs more / could save)
  double impact_per_month = 0;
  double percent_change = 0;     // (actual - expected) / expected, as a fraction
  double score = 0;              // confidence 0..1
  std::vector<Contributor> contributors;
  std::vector<RelatedScope> related;  // the same event seen at broader scopes
  Remediation remediation;
  std::string status = "open";   // open | resolved | dismissed | suppressed
  std::int64_t incident_id = 0;
  UnixSeconds created_at = 0;
  UnixSeconds updated_at = 0;
};

struct Incident {
  std::int64_t id = 0;
  std::string family;            // cost_anomaly, idle_compute, budget_actual, ...
  std::string kind;              // kind of the latest finding
  std::string scope_dimension, scope_value;
  std::string team;
  std::string status = "open";   // open | resolved | dismissed
  std::string severity = "low";  // the highest seen
  std::string title;
  Day first_day{}, last_day{};
  double baseline = 0;           // expected value when it opened (what "back to normal" means)
  double peak_impact_per_day = 0;
  std::int64_t latest_finding_id = 0;
  int finding_count = 0;
  std::string resolution;        // why it closed
  UnixSeconds opened_at = 0, updated_at = 0, resolved_at = 0;
};

boost::json::array related_scopes_json(const std::vector<RelatedScope>& scopes);
boost::json::object to_json(const Finding& f);
boost::json::object to_json(const Incident& i);

}  // namespace costbot::detect
