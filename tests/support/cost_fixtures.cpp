#include "tests/support/cost_fixtures.hpp"

#include <algorithm>
#include <cmath>
#include <random>

namespace costbot::testing {
namespace {
using std::chrono::days;
}

CostFixture::CostFixture(storage::Database& db, std::string provider) : db_(db), provider_(std::move(provider)) {
  SQLite::Statement q(db_.sql(), "SELECT COALESCE(MAX(key_hash), 0) + 1 FROM cost_daily");
  if (q.executeStep()) next_key_ = q.getColumn(0).getInt64();
}

std::int64_t CostFixture::scope_for(const std::string& day) {
  std::string period = day.substr(0, 8) + "01";
  SQLite::Statement insert(db_.sql(),
                           "INSERT OR IGNORE INTO billing_scopes(source_type, provider, billing_account_id, "
                           "billing_period_start) VALUES ('focus', ?, 'fixture', ?)");
  insert.bind(1, provider_);
  insert.bind(2, period);
  insert.exec();
  SQLite::Statement q(db_.sql(),
                      "SELECT id FROM billing_scopes WHERE source_type='focus' AND provider=? AND "
                      "billing_account_id='fixture' AND billing_period_start=?");
  q.bind(1, provider_);
  q.bind(2, period);
  q.executeStep();
  return q.getColumn(0).getInt64();
}

void CostFixture::add(const CostRow& row) {
  SQLite::Statement q(db_.sql(),
                      "INSERT INTO cost_daily(scope_id, day, key_hash, provider, billing_account_id, sub_account_id, "
                      "sub_account_name, service_name, region, resource_id, sku_id, usage_type, team, environment, "
                      "billed_cost, effective_cost, list_cost, consumed_quantity, consumed_unit, row_count) "
                      "VALUES (?, ?, ?, ?, 'fixture', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)");
  int i = 1;
  q.bind(i++, scope_for(row.day));
  q.bind(i++, row.day);
  q.bind(i++, next_key_++);
  q.bind(i++, row.provider);
  q.bind(i++, row.account);
  q.bind(i++, "account " + row.account);
  q.bind(i++, row.service);
  q.bind(i++, row.region);
  q.bind(i++, row.resource);
  q.bind(i++, row.sku);
  q.bind(i++, row.usage_type);
  q.bind(i++, row.team);
  q.bind(i++, row.environment);
  q.bind(i++, row.cost);
  q.bind(i++, row.cost);
  q.bind(i++, row.cost);
  q.bind(i++, row.consumed);
  q.bind(i++, row.unit);
  q.exec();
}

void CostFixture::add_series(Day first_day, const std::vector<double>& values, CostRow row) {
  SQLite::Transaction tx(db_.sql());
  for (std::size_t i = 0; i < values.size(); ++i) {
    row.day = format_day(first_day + days{static_cast<int>(i)});
    row.cost = values[i];
    add(row);
  }
  tx.commit();
}

void CostFixture::add_resource(const std::string& id, const std::string& service, const std::string& team,
                               const std::string& environment, const std::string& tags_json,
                               const std::string& resource_type, const std::string& region, const std::string& account,
                               const std::string& name) {
  SQLite::Statement q(db_.sql(),
                      "INSERT OR REPLACE INTO resources(resource_id, provider, sub_account_id, resource_name, "
                      "resource_type, service_name, region, team, environment, tags, first_seen, last_seen) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '2024-01-01', '2024-12-31')");
  int i = 1;
  q.bind(i++, id);
  q.bind(i++, provider_);
  q.bind(i++, account);
  q.bind(i++, name.empty() ? id : name);
  q.bind(i++, resource_type);
  q.bind(i++, service);
  q.bind(i++, region);
  q.bind(i++, team);
  q.bind(i++, environment);
  q.bind(i++, tags_json);
  q.exec();
}

void CostFixture::add_metric(const std::string& resource, const std::string& metric, UnixSeconds ts, double value) {
  SQLite::Statement q(db_.sql(), "INSERT OR REPLACE INTO usage_metrics(resource_id, metric, ts, value) VALUES (?, ?, ?, ?)");
  q.bind(1, resource);
  q.bind(2, metric);
  q.bind(3, static_cast<std::int64_t>(ts));
  q.bind(4, value);
  q.exec();
}

}  // namespace costbot::testing
