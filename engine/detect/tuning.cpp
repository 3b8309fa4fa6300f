#include "engine/detect/tuning.hpp"

#include <algorithm>

namespace costbot::detect {

TuningTable TuningTable::load(storage::Database& db) {
  TuningTable t;
  SQLite::Statement q(db.sql(),
                      "SELECT rule_id, scope_dimension, scope_value, threshold_factor, min_daily_impact, suppressed_until, "
                      "reason, updated_at FROM detection_tuning ORDER BY rule_id, scope_dimension, scope_value");
  while (q.executeStep()) {
    Tuning row;
    row.rule_id = q.getColumn(0).getString();
    row.scope_dimension = q.getColumn(1).getString();
    row.scope_value = q.getColumn(2).getString();
    row.threshold_factor = q.getColumn(3).getDouble();
    row.min_daily_impact = q.getColumn(4).getDouble();
    if (!q.getColumn(5).isNull()) row.suppressed_until = parse_day(q.getColumn(5).getString());
    row.reason = q.getColumn(6).getString();
    row.updated_at = q.getColumn(7).getInt64();
    t.rows_.push_back(std::move(row));
  }
  return t;
}

const Tuning* TuningTable::find(const std::string& rule_id, const std::string& dim, const std::string& value) const {
  for (const auto& r : rows_)
    if (r.rule_id == rule_id && r.scope_dimension == dim && r.scope_value == value) return &r;
  return nullptr;
}

double TuningTable::threshold_factor(const std::string& rule_id, const std::string& dim, const std::string& value) const {
  double f = 1;
  if (auto* r = find(rule_id, "", "")) f *= r->threshold_factor;
  if (!dim.empty())
    if (auto* r = find(rule_id, dim, value)) f *= r->threshold_factor;
  return f;
}

double TuningTable::min_daily_impact(const std::string& rule_id, const std::string& dim, const std::string& value) const {
  double m = 0;
  if (auto* r = find(rule_id, "", "")) m = std::max(m, r->min_daily_impact);
  if (!dim.empty())
    if (auto* r = find(rule_id, dim, value)) m = std::max(m, r->min_daily_impact);
  return m;
}

bool TuningTable::suppressed(const std::string& rule_id, const std::string& dim, const std::string& value, Day day) const {
  for (const auto* r : {find(rule_id, "", ""), dim.empty() ? nullptr : find(rule_id, dim, value)})
    if (r && r->suppressed_until && day <= *r->suppressed_until) return true;
  return false;
}

void save_tuning(storage::Database& db, const Tuning& t) {
  SQLite::Statement q(db.sql(),
                      "INSERT INTO detection_tuning(rule_id, scope_dimension, scope_value, threshold_factor, min_daily_impact, "
                      "suppressed_until, reason, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                      "ON CONFLICT(rule_id, scope_dimension, scope_value) DO UPDATE SET threshold_factor = excluded.threshold_factor, "
                      "min_daily_impact = excluded.min_daily_impact, suppressed_until = excluded.suppressed_until, "
                      "reason = excluded.reason, updated_at = excluded.updated_at");
  q.bind(1, t.rule_id);
  q.bind(2, t.scope_dimension);
  q.bind(3, t.scope_value);
  q.bind(4, t.threshold_factor);
  q.bind(5, t.min_daily_impact);
  if (t.suppressed_until) q.bind(6, format_day(*t.suppressed_until));
  else q.bind(6);
  q.bind(7, t.reason);
  q.bind(8, static_cast<std::int64_t>(t.updated_at));
  q.exec();
}

std::string anomaly_rule_id(const std::string& dimension) { return "anomaly:" + dimension; }
std::string budget_rule_id(const std::string& name) { return "budget:" + name; }

std::vector<PlannedEvent> planned_events(storage::Database& db, const config::Config& config) {
  std::vector<PlannedEvent> out;
  for (const auto& e : config.detection.planned_events) {
    auto from = parse_day(e.from), to = parse_day(e.to);
    if (!from || !to) continue;
    if (e.scope.empty()) out.push_back({0, e.name, "", "", *from, *to, "config"});
    for (const auto& [dim, value] : e.scope) out.push_back({0, e.name, dim, value, *from, *to, "config"});
  }
  SQLite::Statement q(db.sql(),
                      "SELECT id, name, scope_dimension, scope_value, from_day, to_day, created_by FROM planned_events ORDER BY id");
  while (q.executeStep()) {
    auto from = parse_day(q.getColumn(4).getString()), to = parse_day(q.getColumn(5).getString());
    if (!from || !to) continue;
    out.push_back({q.getColumn(0).getInt64(), q.getColumn(1).getString(), q.getColumn(2).getString(),
                   q.getColumn(3).getString(), *from, *to, q.getColumn(6).getString()});
  }
  return out;
}

std::int64_t add_planned_event(storage::Database& db, const PlannedEvent& e, UnixSeconds now) {
  SQLite::Statement q(db.sql(),
                      "INSERT INTO planned_events(name, scope_dimension, scope_value, from_day, to_day, created_by, created_at) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?)");
  q.bind(1, e.name);
  q.bind(2, e.scope_dimension);
  q.bind(3, e.scope_value);
  q.bind(4, format_day(e.from));
  q.bind(5, format_day(e.to));
  q.bind(6, e.created_by);
  q.bind(7, static_cast<std::int64_t>(now));
  q.exec();
  return db.sql().getLastInsertRowid();
}

bool applies_to(const PlannedEvent& e, const std::string& dim, const std::string& value) {
  return e.scope_dimension.empty() || (e.scope_dimension == dim && e.scope_value == value);
}

}  // namespace costbot::detect
