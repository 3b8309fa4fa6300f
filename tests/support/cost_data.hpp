#pragma once
// Writes synthetic but realistic daily cost rows (providers, accounts, services, teams, resources)
// straight into cost_daily, for tests and benchmarks of everything that reads costs.
#include <cstdint>

#include "engine/storage/database.hpp"
#include "engine/util/time.hpp"

namespace costbot::testing {

struct CostDataShape {
  int days = 30;                 // ending with `last_day`, inclusive
  int resources_per_day = 40;    // rows per day (one per resource)
  std::uint64_t seed = 42;
};

// Returns the number of rows written. Deterministic for a given shape and last day.
std::int64_t seed_cost_data(storage::Database& db, Day last_day, const CostDataShape& shape = {});

}  // namespace costbot::testing
