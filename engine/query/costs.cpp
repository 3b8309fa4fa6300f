#include "engine/query/costs.hpp"

#include <algorithm>
#include <map>
#include <tuple>

#include "engine/query/cost_sources.hpp"

#include "engine/util/error.hpp"
#include "engine/util/strings.hpp"

namespace costbot::query {
namespace {

struct DimensionInfo {
  Dimension dimension;
  const char* name;
  const char* column;
  const char* label_column;
};

constexpr DimensionInfo kDimensions[] = {
    {Dimension::provider, "provider", "provider", "provider"},
    {Dimension::service, "service", "service_name", "service_name"},
    {Dimension::team, "team", "team", "team"},
    {Dimension::account, "account", "sub_account_id", "MAX(sub_account_name)"},
    {Dimension::resource, "resource", "resource_id", "resource_id"},
    {Dimension::sku, "sku", "sku_id", "sku_id"},
    {Dimension::region, "region", "region", "region"},
    {Dimension::service_category, "service_category", "service_category", "service_category"},
    {Dimension::usage_type, "usage_type", "usage_type", "usage_type"},
    {Dimension::environment, "environment", "environment", "environment"},
};

const DimensionInfo& info(Dimension d) {
  for (const auto& i : kDimensions)
    if (i.dimension == d) return i;
  throw Error(ErrorKind::internal, "unknown dimension");
}

const char* metric_column(Metric m) {
  switch (m) {
    case Metric::billed: return "billed_cost";
    case Metric::list: return "list_cost";
    case Metric::effective: break;
  }
  return "effective_cost";
}

// WHERE clause for the period and filters; values are bound, never spliced.
std::string where(const Filters& filters) {
  std::string sql = " WHERE day >= ? AND day < ?";
  for (const auto& f : filters) sql += std::string(" AND ") + info(f.dimension).column + " = ?";
  return sql;
}

void bind(SQLite::Statement& q, const Period& period, const Filters& filters) {
  int i = 1;
  q.bind(i++, format_day(period.from));
  q.bind(i++, format_day(period.to));
  for (const auto& f : filters) q.bind(i++, f.value);
}

}  // namespace

const std::vector<std::string>& dimension_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& i : kDimensions) v.emplace_back(i.name);
    return v;
  }();
  return names;
}

std::optional<Dimension> parse_dimension(std::string_view name) {
  std::string n = text::to_lower(name);
  if (n == "services") n = "service";
  if (n == "teams") n = "team";
  if (n == "accounts" || n == "subaccount" || n == "sub_account" || n == "project" || n == "subscription") n = "account";
  if (n == "providers" || n == "cloud") n = "provider";
  if (n == "resources") n = "resource";
  for (const auto& i : kDimensions)
    if (n == i.name) return i.dimension;
  return std::nullopt;
}

std::string_view name_of(Dimension d) { return info(d).name; }

std::vector<CostTotal> CostQuery::totals(Dimension by, const Period& period, const Filters& filters, std::size_t limit) {
  const auto& dim = info(by);
  std::string sql = std::string("SELECT ") + dim.column + ", " + dim.label_column +
                    ", SUM(billed_cost), SUM(effective_cost), SUM(list_cost), SUM(row_count) FROM cost_daily" +
                    where(filters) + " GROUP BY " + dim.column + " ORDER BY 4 DESC, 1";
  if (limit) sql += " LIMIT " + std::to_string(limit);
  SQLite::Statement q(db_.sql(), sql);
  bind(q, period, filters);
  std::vector<CostTotal> out;
  while (q.executeStep()) {
    CostTotal t;
    t.key = q.getColumn(0).getString();
    t.label = q.getColumn(1).getString();
    if (t.label.empty()) t.label = t.key;
    t.billed = q.getColumn(2).getDouble();
    t.effective = q.getColumn(3).getDouble();
    t.list = q.getColumn(4).getDouble();
    t.rows = q.getColumn(5).getInt64();
    out.push_back(std::move(t));
  }
  return out;
}

CostTotal CostQuery::grand_total(const Period& period, const Filters& filters) {
  SQLite::Statement q(db_.sql(), "SELECT COALESCE(SUM(billed_cost),0), COALESCE(SUM(effective_cost),0), "
                                 "COALESCE(SUM(list_cost),0), COALESCE(SUM(row_count),0) FROM cost_daily" +
                                     where(filters));
  bind(q, period, filters);
  CostTotal t;
  t.key = t.label = "total";
  if (q.executeStep()) {
    t.billed = q.getColumn(0).getDouble();
    t.effective = q.getColumn(1).getDouble();
    t.list = q.getColumn(2).getDouble();
    t.rows = q.getColumn(3).getInt64();
  }
  return t;
}

std::vector<double> CostQuery::daily_total(const Period& period, const Filters& filters, Metric metric) {
  std::vector<double> out(static_cast<std::size_t>(std::max(0, period.days())), 0.0);
  SQLite::Statement q(db_.sql(), std::string("SELECT day, SUM(") + metric_column(metric) + ") FROM cost_daily" +
                                     where(filters) + " GROUP BY day");
  bind(q, period, filters);
  while (q.executeStep()) {
    auto d = parse_day(q.getColumn(0).getString());
    if (!d || !period.contains(*d)) continue;
    out[static_cast<std::size_t>((*d - period.from).count())] += q.getColumn(1).getDouble();
  }
  return out;
}

std::map<std::string, std::vector<double>> CostQuery::daily_series(Dimension by, const Period& period,
                                                                  const Filters& filters, Metric metric) {
  std::map<std::string, std::vector<double>> out;
  const auto days = static_cast<std::size_t>(std::max(0, period.days()));
  SQLite::Statement q(db_.sql(), std::string("SELECT ") + info(by).column + ", day, SUM(" + metric_column(metric) +
                                     ") FROM cost_daily" + where(filters) + " GROUP BY 1, 2");
  bind(q, period, filters);
  while (q.executeStep()) {
    auto d = parse_day(q.getColumn(1).getString());
    if (!d || !period.contains(*d)) continue;
    auto& series = out[q.getColumn(0).getString()];
    if (series.empty()) series.assign(days, 0.0);
    series[static_cast<std::size_t>((*d - period.from).count())] += q.getColumn(2).getDouble();
  }
  return out;
}

MonthPace CostQuery::month_pace(Day today, const Filters& filters) {
  MonthPace pace;
  pace.today = today;
  auto mtd = month_to_date(today);
  auto prev = previous_month(today);
  pace.days_elapsed = mtd.days();
  pace.days_in_month = days_in_month(today);
  pace.month_to_date = grand_total(mtd, filters).effective;
  pace.previous_month_total = grand_total(prev, filters).effective;
  Period same{prev.from, std::min(prev.to, prev.from + std::chrono::days{pace.days_elapsed}), ""};
  pace.previous_month_same_days = grand_total(same, filters).effective;
  return pace;
}

std::optional<std::pair<Day, Day>> CostQuery::data_range() {
  SQLite::Statement q(db_.sql(), "SELECT MIN(day), MAX(day) FROM cost_daily");
  if (!q.executeStep() || q.getColumn(0).isNull()) return std::nullopt;
  auto a = parse_day(q.getColumn(0).getString());
  auto b = parse_day(q.getColumn(1).getString());
  if (!a || !b) return std::nullopt;
  return std::make_pair(*a, *b);
}

std::vector<std::string> CostQuery::distinct(Dimension d) {
  SQLite::Statement q(db_.sql(), std::string("SELECT DISTINCT ") + info(d).column + " FROM cost_daily ORDER BY 1");
  std::vector<std::string> out;
  while (q.executeStep()) out.push_back(q.getColumn(0).getString());
  return out;
}

}  // namespace costbot::query

namespace costbot::query {

std::string CostSource::label() const {
  std::string kind_words = kind == "api:aws-cost-explorer" ? "Cost Explorer"
                           : kind == "api:azure-query"     ? "Cost Management Query"
                                                           : kind;
  if (estimated) kind_words += ", estimated";
  return source.empty() ? kind_words + " file" : source + " (" + kind_words + ")";
}

std::vector<CostSource> cost_sources(storage::Database& db, Dimension by, const Period& period, const Filters& filters) {
  // Per (value, scope) first in cost_daily alone (its own columns, its filters), then the scopes'
  // kind and the run that wrote them; estimated days are kept per run.
  const auto& dim = info(by);
  SQLite::Statement q(db.sql(), std::string("SELECT t.k, s.source_type, COALESCE(r.source_name, ''), MIN(t.first), "
                                            "MAX(t.last), MAX(EXISTS(SELECT 1 FROM cost_estimated_days e WHERE "
                                            "e.run_id = s.run_id AND e.day >= t.first AND e.day <= t.last)) FROM "
                                            "(SELECT ") +
                                    dim.column + " AS k, scope_id, MIN(day) AS first, MAX(day) AS last FROM cost_daily" +
                                    where(filters) +
                                    " GROUP BY 1, 2) t JOIN billing_scopes s ON s.id = t.scope_id "
                                    "LEFT JOIN ingest_runs r ON r.id = s.run_id GROUP BY 1, 2, 3 ORDER BY 1, 4");
  bind(q, period, filters);
  std::vector<CostSource> out;
  while (q.executeStep()) {
    CostSource c;
    c.key = q.getColumn(0).getString();
    c.kind = q.getColumn(1).getString();
    c.source = q.getColumn(2).getString();
    c.first = parse_day(q.getColumn(3).getString()).value_or(Day{});
    c.last = parse_day(q.getColumn(4).getString()).value_or(Day{});
    c.estimated = q.getColumn(5).getInt() != 0;
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace costbot::query
