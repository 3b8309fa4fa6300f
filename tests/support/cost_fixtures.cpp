#include "tests/support/cost_fixtures.hpp"

#include <algorithm>
#include <cmath>
#include <random>

namespace costbot::testing {
namespace {
using std::chrono::days;
}

SyntheticCostSeries synthetic_cost_series(std::uint32_t seed, const SyntheticOptions& o) {
  std::mt19937 rng(seed);
  auto uniform = [&](double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); };
  auto pick = [&](int a, int b) { return std::uniform_int_distribution<int>(a, b)(rng); };
  std::normal_distribution<double> gauss(0.0, 1.0);

  SyntheticCostSeries s;
  s.first_day = Day(std::chrono::year(2023) / 1 / 1) + days{pick(0, 180)};
  const int n = o.days;
  const double base = std::exp(uniform(std::log(400.0), std::log(20000.0)));
  const double weekend = uniform(0.55, 0.95);  // weekly cycle: weekends cost less
  const double noise = uniform(0.02, 0.08);
  const double trend = uniform(-0.0003, 0.0006);  // gentle organic growth per day

  std::vector<double> level(static_cast<std::size_t>(n), base);
  for (int i = 0; i < n; ++i) level[static_cast<std::size_t>(i)] = base * (1 + trend * i);

  // Hard negatives, chosen per seed.
  std::vector<int> protected_days;
  if (o.hard_negatives) {
    s.month_end_bumps = rng() % 2 == 0;
    if (rng() % 2 == 0) {
      for (int k = 0; k < 5; ++k) {
        int i = pick(30, n - 1);
        s.holidays.insert(s.first_day + days{i});
        protected_days.push_back(i);
      }
    }
    if (rng() % 3 == 0) {
      int start = pick(o.history, n - 30);
      int stop = start + 6;
      s.planned.emplace_back(s.first_day + days{start}, s.first_day + days{stop});
      double lift = uniform(0.4, 0.9);
      for (int i = start; i < n; ++i) level[static_cast<std::size_t>(i)] *= 1 + lift * std::min(1.0, (i - start + 1) / 3.0);
      for (int i = start - 14; i <= stop + 14; ++i) protected_days.push_back(i);
    }
  }

  auto clear_of_negatives = [&](int a, int b) {
    for (int p : protected_days)
      if (p >= a - 3 && p <= b + 3) return false;
    if (s.month_end_bumps) {
      for (int i = a - 2; i <= b + 2; ++i) {
        if (i < 0 || i >= n) continue;
        Day d = s.first_day + days{i};
        if (days_in_month(d) - static_cast<int>(static_cast<unsigned>(std::chrono::year_month_day{d}.day())) <= 0)
          return false;
      }
    }
    return true;
  };

  if (o.anomalies) {
    int count = pick(1, 2);
    int cursor = o.history;
    for (int k = 0; k < count; ++k) {
      static const char* kinds[] = {"spike", "spike", "level_shift", "drift", "runaway"};
      InjectedAnomaly a;
      a.kind = kinds[pick(0, 4)];
      int span = a.kind == "spike" ? pick(1, 2) : a.kind == "level_shift" ? 1 : a.kind == "drift" ? 42 : 35;
      int room = n - span - 20 - cursor;
      if (room < 10) break;
      bool placed = false;
      for (int attempt = 0; attempt < 50 && !placed; ++attempt) {
        a.start = cursor + pick(0, std::min(room, 120));
        placed = clear_of_negatives(a.start, a.start + span + 14);
      }
      if (!placed) continue;
      a.length = span;
      if (a.kind == "spike") {
        a.magnitude = uniform(0.35, 3.0);
        for (int i = a.start; i < a.start + span; ++i) level[static_cast<std::size_t>(i)] *= 1 + a.magnitude;
      } else if (a.kind == "level_shift") {
        a.magnitude = uniform(0.3, 1.0);
        for (int i = a.start; i < n; ++i) level[static_cast<std::size_t>(i)] *= 1 + a.magnitude;
      } else if (a.kind == "drift") {
        a.magnitude = uniform(0.35, 0.8);  // reached linearly over six weeks, then held
        for (int i = a.start; i < n; ++i)
          level[static_cast<std::size_t>(i)] *= 1 + a.magnitude * std::min(1.0, (i - a.start + 1) / double(span));
      } else {
        a.magnitude = uniform(0.12, 0.3);  // compounding weekly growth for five weeks, then held
        for (int i = a.start; i < n; ++i)
          level[static_cast<std::size_t>(i)] *= std::pow(1 + a.magnitude, std::min(i - a.start + 1, span) / 7.0);
      }
      s.anomalies.push_back(a);
      cursor = a.start + span + (a.kind == "spike" ? 14 : 35);
    }
  }

  s.values.resize(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    Day d = s.first_day + days{i};
    double v = level[static_cast<std::size_t>(i)];
    unsigned wd = weekday(d);
    if (wd == 0 || wd == 6) v *= weekend;
    if (s.month_end_bumps && days_in_month(d) == static_cast<int>(static_cast<unsigned>(std::chrono::year_month_day{d}.day())))
      v *= 1.5;  // month-end batch jobs
    if (s.holidays.count(d)) v *= 0.5;
    v *= 1 + noise * gauss(rng);
    s.values[static_cast<std::size_t>(i)] = std::max(0.0, v);
  }
  return s;
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
                      "billed_cost, effective_cost, list_cost, row_count) "
                      "VALUES (?, ?, ?, ?, 'fixture', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)");
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
