// Fills a database with a realistic volume of daily cost rows for the service benchmarks:
//   bench_seed_costs DB_PATH [DAYS=400] [RESOURCES_PER_DAY=500] [LAST_DAY=today]
// 400 days x 500 resources = 200,000 cost_daily rows (a mid-size estate at resource granularity).
#include <chrono>
#include <cstdio>
#include <string>

#include "engine/storage/database.hpp"
#include "tests/support/cost_data.hpp"

int main(int argc, char** argv) {
  using namespace costbot;
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DB_PATH [DAYS] [RESOURCES_PER_DAY] [LAST_DAY]\n", argv[0]);
    return 2;
  }
  testing::CostDataShape shape;
  shape.days = argc > 2 ? std::stoi(argv[2]) : 400;
  shape.resources_per_day = argc > 3 ? std::stoi(argv[3]) : 500;
  Day last = argc > 4 ? *parse_day(argv[4]) : default_clock().today();
  auto db = storage::open_migrated(argv[1]);
  auto started = std::chrono::steady_clock::now();
  auto rows = testing::seed_cost_data(db, last, shape);
  db.sql().exec("ANALYZE");
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  std::printf("seeded %lld cost_daily rows (%d days x %d resources, last day %s) in %lld ms\n",
              static_cast<long long>(rows), shape.days, shape.resources_per_day, format_day(last).c_str(),
              static_cast<long long>(ms));
  return 0;
}
