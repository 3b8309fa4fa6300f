#include "tests/support/cost_data.hpp"

#include <cmath>
#include <random>
#include <string>
#include <vector>

namespace costbot::testing {

std::int64_t seed_cost_data(storage::Database& db, Day last_day, const CostDataShape& shape) {
  static const std::vector<std::string> services = {
      "Amazon Elastic Compute Cloud", "Amazon Relational Database Service", "Amazon Simple Storage Service",
      "AWS Lambda", "Amazon CloudFront", "Azure Virtual Machines", "Azure SQL Database", "Google Compute Engine",
      "BigQuery", "Amazon DynamoDB", "Amazon Elastic Kubernetes Service", "Amazon Simple Queue Service"};
  static const std::vector<std::string> teams = {"payments", "platform", "data-platform", "search", "growth", ""};
  static const std::vector<std::string> regions = {"us-east-1", "eu-west-1", "westeurope", "us-central1"};
  std::mt19937_64 rng(shape.seed);
  std::uniform_real_distribution<double> noise(0.8, 1.2);
  std::vector<double> base(static_cast<std::size_t>(shape.resources_per_day));
  for (auto& b : base) b = std::exp(std::uniform_real_distribution<double>(0, 7)(rng));  // $1 .. $1100 a day

  auto tx = db.begin_write();
  db.sql().exec(
      "INSERT OR IGNORE INTO billing_scopes(source_type, provider, billing_account_id, billing_period_start) "
      "VALUES ('focus', 'synthetic', 'BA-1', '1970-01-01')");
  auto scope = db.sql().execAndGet("SELECT id FROM billing_scopes WHERE provider = 'synthetic'").getInt64();
  SQLite::Statement ins(db.sql(),
                        "INSERT INTO cost_daily(scope_id, day, key_hash, provider, billing_account_id, sub_account_id, "
                        "sub_account_name, service_name, region, resource_id, team, billed_cost, effective_cost, list_cost, "
                        "row_count) VALUES (?, ?, ?, ?, 'BA-1', ?, ?, ?, ?, ?, ?, ?, ?, ?, 24)");
  std::int64_t rows = 0;
  for (int d = shape.days - 1; d >= 0; --d) {
    Day day = last_day - std::chrono::days{d};
    auto day_text = format_day(day);
    for (int r = 0; r < shape.resources_per_day; ++r) {
      auto i = static_cast<std::size_t>(r);
      const auto& service = services[i % services.size()];
      const char* provider = service.starts_with("Azure") ? "Microsoft" : service.starts_with("Google") || service == "BigQuery" ? "Google Cloud" : "AWS";
      double cost = base[i] * noise(rng);
      ins.bind(1, scope);
      ins.bind(2, day_text);
      ins.bind(3, static_cast<std::int64_t>(r));
      ins.bind(4, provider);
      ins.bind(5, "acct-" + std::to_string(i % 7));
      ins.bind(6, "Account " + std::to_string(i % 7));
      ins.bind(7, service);
      ins.bind(8, regions[i % regions.size()]);
      ins.bind(9, "res-" + std::to_string(r));
      ins.bind(10, teams[i % teams.size()]);
      ins.bind(11, cost);
      ins.bind(12, cost * 0.93);
      ins.bind(13, cost * 1.1);
      ins.exec();
      ins.reset();
      ++rows;
    }
  }
  tx.commit();
  return rows;
}

}  // namespace costbot::testing
