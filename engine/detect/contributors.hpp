#pragma once
// Likely cause of a cost change: which SKUs, resources, regions, usage types and accounts inside
// the scope moved, and their share of the change (from cost_daily).
#include <vector>

#include "engine/detect/finding.hpp"
#include "engine/query/costs.hpp"

namespace costbot::detect {

// Daily average over [from, to] (inclusive) against the daily average over `baseline_days`, per
// value of each sub-dimension (the scope's own dimension is skipped). Returns the largest movers
// in the direction of the total change, largest first.
std::vector<Contributor> top_contributors(storage::Database& db, const query::Filters& scope, Day from, Day to,
                                          const std::vector<Day>& baseline_days, std::size_t limit = 5);

// Baseline days for a change starting on `from`: the same weekday in each of the four weeks
// before (a single day), or the 28 days before (a window).
std::vector<Day> baseline_days_for(Day from, Day to);

}  // namespace costbot::detect
