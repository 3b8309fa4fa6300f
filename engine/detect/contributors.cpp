#include "engine/detect/contributors.hpp"

#include <algorithm>
#include <cmath>

namespace costbot::detect {
namespace {

struct SubDimension {
  const char* name;
  const char* column;
  query::Dimension dimension;
};

constexpr SubDimension kSubDimensions[] = {
    {"sku", "sku_id", query::Dimension::sku},
    {"resource", "resource_id", query::Dimension::resource},
    {"region", "region", query::Dimension::region},
    {"usage_type", "usage_type", query::Dimension::usage_type},
    {"account", "sub_account_id", query::Dimension::account},
};

const char* scope_column(query::Dimension d) {
  switch (d) {
    case query::Dimension::provider: return "provider";
    case query::Dimension::service: return "service_name";
    case query::Dimension::team: return "team";
    case query::Dimension::account: return "sub_account_id";
    case query::Dimension::resource: return "resource_id";
    case query::Dimension::sku: return "sku_id";
    case query::Dimension::region: return "region";
    case query::Dimension::service_category: return "service_category";
    case query::Dimension::usage_type: return "usage_type";
    case query::Dimension::environment: return "environment";
  }
  return "provider";
}

}  // namespace

std::vector<Day> baseline_days_for(Day from, Day to) {
  std::vector<Day> days;
  if (from == to) {
    for (int w = 1; w <= 4; ++w) days.push_back(from - std::chrono::days{7 * w});
  } else {
    for (int i = 1; i <= 28; ++i) days.push_back(from - std::chrono::days{i});
  }
  return days;
}

std::vector<Contributor> top_contributors(storage::Database& db, const query::Filters& scope, Day from, Day to,
                                          const std::vector<Day>& baseline_days, std::size_t limit) {
  std::vector<Contributor> all;
  if (baseline_days.empty() || to < from) return all;
  const double current_days = static_cast<double>((to - from).count() + 1);
  const double base_days = static_cast<double>(baseline_days.size());
  std::string in_list;
  for (std::size_t i = 0; i < baseline_days.size(); ++i) in_list += i ? ",?" : "?";
  std::string where;
  for (const auto& f : scope) where += std::string(" AND ") + scope_column(f.dimension) + " = ?";

  double total_change = 0;
  for (const auto& sub : kSubDimensions) {
    bool is_scope = false;
    for (const auto& f : scope) is_scope = is_scope || f.dimension == sub.dimension;
    if (is_scope) continue;
    std::string sql = std::string("SELECT ") + sub.column + ", SUM(CASE WHEN day >= ? AND day <= ? THEN effective_cost ELSE 0 END), " +
                      "SUM(CASE WHEN day IN (" + in_list + ") THEN effective_cost ELSE 0 END) FROM cost_daily WHERE " +
                      "((day >= ? AND day <= ?) OR day IN (" + in_list + "))" + where + " GROUP BY 1";
    SQLite::Statement q(db.sql(), sql);
    int i = 1;
    q.bind(i++, format_day(from));
    q.bind(i++, format_day(to));
    for (Day d : baseline_days) q.bind(i++, format_day(d));
    q.bind(i++, format_day(from));
    q.bind(i++, format_day(to));
    for (Day d : baseline_days) q.bind(i++, format_day(d));
    for (const auto& f : scope) q.bind(i++, f.value);
    std::vector<Contributor> rows;
    double sum = 0;
    while (q.executeStep()) {
      Contributor c;
      c.dimension = sub.name;
      c.value = q.getColumn(0).getString();
      if (c.value.empty()) c.value = "(none)";
      c.delta = q.getColumn(1).getDouble() / current_days - q.getColumn(2).getDouble() / base_days;
      sum += c.delta;
      rows.push_back(std::move(c));
    }
    total_change = sum;  // the same total whichever dimension splits it
    // The two largest movers in the direction of the change for this dimension.
    std::sort(rows.begin(), rows.end(), [&](const Contributor& a, const Contributor& b) {
      return sum >= 0 ? a.delta > b.delta : a.delta < b.delta;
    });
    // A dimension with a single value explains nothing.
    if (rows.size() < 2) continue;
    for (std::size_t k = 0; k < rows.size() && k < 2; ++k)
      if ((sum >= 0) == (rows[k].delta >= 0) && rows[k].delta != 0) all.push_back(rows[k]);
  }
  for (auto& c : all) c.share = total_change != 0 ? c.delta / total_change : 0;
  std::sort(all.begin(), all.end(), [](const Contributor& a, const Contributor& b) { return std::abs(a.delta) > std::abs(b.delta); });
  if (all.size() > limit) all.resize(limit);
  return all;
}

}  // namespace costbot::detect
