#pragma once
// The demo's world (internal to engine/demo): accounts, resources with their cost shapes, usage
// metric plans and the injected stories. demo_history.cpp writes it out as FOCUS and metrics CSV.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/util/time.hpp"

namespace costbot::demo {

// splitmix64: tiny, fast and the same on every platform (std distributions are not).
class Random {
 public:
  explicit Random(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next();
  double uniform();                        // [0, 1)
  double uniform(double low, double high);
  double normal();                         // mean 0, sd 1
  int below(int n);                        // [0, n)
  std::string hex(int digits);

 private:
  std::uint64_t state_;
};

// A stateless draw for (seed, a, b): the same inputs give the same value in any order of calls.
double hashed_uniform(std::uint64_t seed, std::uint64_t a, std::int64_t b);
double hashed_normal(std::uint64_t seed, std::uint64_t a, std::int64_t b);
std::uint64_t hash_text(const std::string& text);

struct Account {
  std::string provider;            // AWS, Microsoft, Oracle (FOCUS ProviderName)
  std::string billing_account_id;
  std::string billing_account_name;
  std::string sub_account_id;
  std::string sub_account_name;
};

// Where a resource's row template comes from in the sample, and what it is.
struct Archetype {
  std::string key;              // ec2, ebs, s3, ...
  std::string provider;         // sample ProviderName
  std::string service;          // sample ServiceName
  std::string sample_type;      // sample ResourceType to prefer ("" = any row of the service)
  std::string resource_type;    // ResourceType written
  double min_daily, max_daily;  // typical daily cost range
  bool storage = false;         // flat through the week, little noise
};
const Archetype& archetype(const std::string& key);

enum class MetricPlan {
  none,
  cpu_healthy,         // 6-hourly CPU 45..80 %
  cpu_idle,            // 6-hourly CPU < 2 %
  cpu_oversized,       // 6-hourly CPU 8..15 %
  cpu_always_on,       // hourly CPU 45..65 %, day and night
  cpu_business_hours,  // hourly: busy 08-19 UTC on weekdays, ~0 otherwise
  attached,            // daily 1
  detached_recently,   // daily 1, then 0 for the last 20 days
  commitment_low,      // daily utilization 2..6 %
  commitment_high,     // daily utilization 93..99 %
};

struct Resource {
  std::string id;
  std::string name;
  std::string archetype;       // key into archetype()
  const Account* account = nullptr;
  std::string region_id, region_name;
  std::string team;            // the team attribution should find ("" = unallocated)
  std::string tags_json;       // FOCUS Tags text; "" = NULL (untagged)
  std::string environment;     // prod, staging, dev
  std::string charge_description;  // overrides the template's, when set
  std::string commitment_id;       // for commitments: their own id in CommitmentDiscountId
  std::string story;               // the story kind this resource carries, if any

  double base_daily = 0;       // cost on a normal weekday at the start of the history
  double weekend_factor = 1;   // Saturday and Sunday
  double noise = 0.05;         // relative sd of the daily amount
  double growth_per_day = 0;   // compound growth (0.01 = 1 % a day)
  bool month_end_bump = false; // batch work on the last two days and the first day of a month
  std::optional<Day> shift_from;   // level shift: from this day the cost is x shift_factor
  double shift_factor = 1;
  std::optional<Day> spike_from;   // spike: from this day the cost is x spike_factor
  double spike_factor = 1;
  MetricPlan metrics = MetricPlan::none;
};

struct World {
  std::vector<Account> accounts;
  std::vector<Resource> resources;
  Day first_day{}, last_day{};
  std::uint64_t seed = 0;

  // The resource's billed cost on day `d` (0 when the day is outside the history).
  double daily_cost(const Resource& r, Day d) const;
};

// Builds every account and resource for the seed, with stories anchored on last_day.
World build_world(std::uint64_t seed, Day first_day, Day last_day);

}  // namespace costbot::demo
