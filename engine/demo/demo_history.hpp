#pragma once
// A realistic multi-cloud billing history for `costbot demo`: FOCUS 1.0 CSV (AWS, Microsoft,
// Oracle) built from the real sample rows — same columns, same quoting, the rows' own service,
// SKU and pricing fields — with daily charges for a few hundred resources across the example
// config's teams, weekly seasonality, a month-end bump, noise, and injected stories the detectors
// should find. Usage metrics (timestamp,resource_id,metric,value) go beside it for the waste rules.
//
// Deterministic: the same seed and last day write byte-identical files. Resource identities depend
// on the seed only, and each day's amounts on (seed, resource, day), so a demo rebuilt the next day
// shows the same world one day later.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/util/time.hpp"

namespace costbot::demo {

struct DemoOptions {
  int days = 90;              // days of history, ending with last_day (inclusive)
  std::uint64_t seed = 42;
  Day last_day{};             // usually today
  std::string sample_path;    // the FOCUS sample whose rows are the templates
  std::string focus_path;     // output: FOCUS 1.0 CSV
  std::string usage_path;     // output: usage metrics CSV
  // Metric names the waste rules read (their `metric` option defaults in detection rules).
  std::string cpu_metric = "cpu_utilization";   // CPU %, idle / oversized / off-hours rules
  std::string attached_metric = "attached";     // 1 attached, 0 not, unattached storage rule
  std::string commitment_metric = "utilization";  // commitment utilization %, unused commitment rule
};

// One injected situation, with the numbers a reader (or a test) can check.
struct Story {
  std::string kind;           // spike, level_shift, slow_growth, idle_compute, unattached_storage,
                              // oversized_instance, unused_commitment, untagged_spend,
                              // off_hours_nonprod, budget_pressure
  std::string team;           // as attribution will see it ("" = unallocated)
  std::string resource_id;    // the resource, when the story is one resource
  std::string resource_name;
  std::string summary;        // one line for people
  Day starts{};               // when it began
  double daily_before = 0;    // daily cost before it began
  double daily_now = 0;       // daily cost on the last day (7-day average for team stories)
  double month_to_date = 0;   // budget_pressure: the team's spend this month so far
  double month_forecast = 0;  // budget_pressure: month to date + the last week's pace to month end
};

struct DemoHistory {
  Day first_day{}, last_day{};
  std::int64_t focus_rows = 0;
  std::int64_t usage_rows = 0;
  int resources = 0;
  std::map<std::string, double> cost_by_team;      // billed cost as written, by expected team ("" = untagged)
  std::map<std::string, double> cost_by_provider;  // billed cost as written
  std::vector<Story> stories;
};

// Writes options.focus_path and options.usage_path. Throws Error(invalid_input) for a missing or
// unusable sample, days outside 28..400, or an unwritable output.
DemoHistory generate_demo_history(const DemoOptions& options);

}  // namespace costbot::demo
