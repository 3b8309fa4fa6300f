#pragma once
// What feedback changed: per rule and scope, a threshold factor, a minimum impact and a silence
// (detection_tuning), and planned events registered ahead of time (planned_events + config).
#include <optional>
#include <string>
#include <vector>

#include "engine/config/config.hpp"
#include "engine/storage/database.hpp"
#include "engine/util/time.hpp"

namespace costbot::detect {

struct Tuning {
  std::string rule_id;
  std::string scope_dimension;  // '' = the whole rule
  std::string scope_value;
  double threshold_factor = 1;
  double min_daily_impact = 0;
  std::optional<Day> suppressed_until;  // inclusive
  std::string reason;
  UnixSeconds updated_at = 0;
};

class TuningTable {
 public:
  static TuningTable load(storage::Database& db);
  // The row for exactly this rule and scope, if any.
  const Tuning* find(const std::string& rule_id, const std::string& dim, const std::string& value) const;
  // Rule-level factor times scope-level factor.
  double threshold_factor(const std::string& rule_id, const std::string& dim, const std::string& value) const;
  double min_daily_impact(const std::string& rule_id, const std::string& dim, const std::string& value) const;
  // Silenced on `day` (by a rule-level or scope-level silence)?
  bool suppressed(const std::string& rule_id, const std::string& dim, const std::string& value, Day day) const;
  const std::vector<Tuning>& all() const { return rows_; }

 private:
  std::vector<Tuning> rows_;
};

void save_tuning(storage::Database& db, const Tuning& t);

// Anomaly rule ids are per scope dimension: "anomaly:team", "anomaly:service", ...
std::string anomaly_rule_id(const std::string& dimension);
std::string budget_rule_id(const std::string& budget_name);

struct PlannedEvent {
  std::int64_t id = 0;       // 0 = from config
  std::string name;
  std::string scope_dimension;  // '' = everything
  std::string scope_value;
  Day from{}, to{};          // inclusive
  std::string created_by;
};

// Config events (one per dimension in their scope) and registered ones.
std::vector<PlannedEvent> planned_events(storage::Database& db, const config::Config& config);
std::int64_t add_planned_event(storage::Database& db, const PlannedEvent& e, UnixSeconds now);
// Does this event cover the series of scope dim=value?
bool applies_to(const PlannedEvent& e, const std::string& dim, const std::string& value);

}  // namespace costbot::detect
