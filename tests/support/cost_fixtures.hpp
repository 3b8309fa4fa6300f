#pragma once
// Cost data for detection tests, independent of ingestion: CostFixture writes daily costs,
// resources and usage metrics straight into the store's tables (a billing_scopes row + cost_daily
// rows) with SQL. Labelled synthetic series are in daily_cost_generator.hpp.
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "engine/storage/database.hpp"
#include "engine/util/time.hpp"

namespace costbot::testing {

struct CostRow {
  CostRow() = default;
  CostRow(std::string day_, double cost_, std::string team_ = {}) : day(std::move(day_)), cost(cost_), team(std::move(team_)) {}
  std::string day;  // YYYY-MM-DD
  double cost = 0;
  std::string team, service = "Compute", account = "111111111111", provider = "aws", region = "us-east-1";
  std::string resource, sku, usage_type;
  std::string environment;
  double consumed = 0;       // ConsumedQuantity
  std::string unit;          // ConsumedUnit
};

class CostFixture {
 public:
  explicit CostFixture(storage::Database& db, std::string provider = "aws");

  void add(const CostRow& row);
  // One row per day from first_day, with the given template (day and cost filled in).
  void add_series(Day first_day, const std::vector<double>& values, CostRow row);
  void add_resource(const std::string& id, const std::string& service, const std::string& team,
                    const std::string& environment, const std::string& tags_json = "{}",
                    const std::string& resource_type = "", const std::string& region = "us-east-1",
                    const std::string& account = "111111111111", const std::string& name = "");
  void add_metric(const std::string& resource, const std::string& metric, UnixSeconds ts, double value);
  // One sample per hour for `days` days ending at the end of `last_day`, from fn(hour_start).
  template <class Fn>
  void add_hourly_metric(const std::string& resource, const std::string& metric, Day last_day, int days, Fn fn) {
    UnixSeconds end = start_of(last_day) + 86400;
    for (UnixSeconds t = end - static_cast<UnixSeconds>(days) * 86400; t < end; t += 3600) add_metric(resource, metric, t, fn(t));
  }

 private:
  std::int64_t scope_for(const std::string& day);
  storage::Database& db_;
  std::string provider_;
  std::int64_t next_key_ = 1;
};

}  // namespace costbot::testing
