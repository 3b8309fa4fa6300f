#pragma once
// Read-side queries over the daily cost store: totals by a dimension, top-N, daily series, month
// pace. Every chat command, CLI command, detector and chart reads costs through here.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/query/period.hpp"
#include "engine/storage/database.hpp"

namespace costbot::query {

enum class Dimension { provider, service, team, account, resource, sku, region, service_category, usage_type, environment };

const std::vector<std::string>& dimension_names();  // "provider", "service", ...
std::optional<Dimension> parse_dimension(std::string_view name);
std::string_view name_of(Dimension d);

enum class Metric { effective, billed, list };

struct Filter {
  Dimension dimension;
  std::string value;
};
using Filters = std::vector<Filter>;

struct CostTotal {
  std::string key;    // the dimension value ('' = unallocated / none)
  std::string label;  // human name where one exists (account name), else the key
  double billed = 0;
  double effective = 0;
  double list = 0;
  long long rows = 0;  // billing rows behind the figure
};

struct MonthPace {
  Day today;
  double month_to_date = 0;             // effective cost, first of month .. today
  double previous_month_total = 0;
  double previous_month_same_days = 0;  // previous month, first .. same day number
  int days_elapsed = 0;
  int days_in_month = 0;
};

class CostQuery {
 public:
  explicit CostQuery(storage::Database& db) : db_(db) {}

  // Totals per value of `by`, largest effective cost first; limit 0 = all.
  std::vector<CostTotal> totals(Dimension by, const Period& period, const Filters& filters = {},
                                std::size_t limit = 0);
  CostTotal grand_total(const Period& period, const Filters& filters = {});

  // One value per day of the period (missing days are 0), for the whole filtered set.
  std::vector<double> daily_total(const Period& period, const Filters& filters = {}, Metric metric = Metric::effective);
  // One series per value of `by` (each one value per day of the period).
  std::map<std::string, std::vector<double>> daily_series(Dimension by, const Period& period,
                                                          const Filters& filters = {},
                                                          Metric metric = Metric::effective);

  MonthPace month_pace(Day today, const Filters& filters = {});
  // The first and last day with any cost data.
  std::optional<std::pair<Day, Day>> data_range();
  std::vector<std::string> distinct(Dimension d);

 private:
  storage::Database& db_;
};

}  // namespace costbot::query
