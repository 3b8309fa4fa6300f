#include "bot/web/spend_views.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "engine/alerts/kinds.hpp"
#include "engine/approvals/records.hpp"
#include "engine/detect/at_stake.hpp"
#include "engine/detect/budgets.hpp"
#include "engine/detect/finding_store.hpp"
#include "engine/util/error.hpp"
#include "engine/util/format.hpp"
#include "engine/util/strings.hpp"

namespace costbot::web {
namespace json = boost::json;
namespace {

// The period just before `p`, as long as it.
query::Period period_before(const query::Period& p) {
  return {p.from - std::chrono::days{p.days()}, p.from, "previous " + std::to_string(p.days()) + " days"};
}

json::array day_list(const query::Period& p) {
  json::array days;
  for (Day d = p.from; d < p.to; d += std::chrono::days{1}) days.push_back(json::value(format_day(d)));
  return days;
}

json::array numbers(const std::vector<double>& values) {
  json::array out;
  for (double v : values) out.push_back(std::round(v * 100) / 100);
  return out;
}

double change_fraction(double now, double before) { return before > 0 ? now / before - 1 : 0; }

json::object period_json(const query::Period& p) {
  return {{"from", format_day(p.from)}, {"to", format_day(p.to - std::chrono::days{1})}, {"label", p.label}, {"days", p.days()}};
}

bool matches_search(const query::CostTotal& t, const std::string& needle) {
  if (needle.empty()) return true;
  return text::to_lower(t.key).find(needle) != std::string::npos || text::to_lower(t.label).find(needle) != std::string::npos;
}

Day latest_day(storage::Database& db, Day today) {
  auto range = query::CostQuery(db).data_range();
  return range ? std::min(range->second, today) : today;
}

}  // namespace

SpendRequest parse_spend_request(const std::optional<std::string>& by, const std::optional<std::string>& period,
                                 const std::vector<std::string>& where, const std::optional<std::string>& search,
                                 const std::optional<std::string>& limit, Day today) {
  SpendRequest r;
  if (by) {
    auto d = query::parse_dimension(*by);
    if (!d) throw invalid_input("by: expected one of " + text::join(query::dimension_names(), ", ") + ", got \"" + *by + "\"");
    r.by = *d;
  }
  auto p = query::parse_period(period.value_or("30d"), today);
  if (!p) throw invalid_input("period: expected 7d, 30d, 90d, mtd, last-month, YYYY-MM or FROM..TO, got \"" + *period + "\"");
  r.period = *p;
  for (const auto& w : where) {
    auto eq = w.find('=');
    auto d = eq == std::string::npos ? std::nullopt : query::parse_dimension(w.substr(0, eq));
    if (!d) throw invalid_input("where: expected DIMENSION=VALUE such as team=payments, got \"" + w + "\"");
    r.filters.push_back({*d, w.substr(eq + 1)});
  }
  r.search = text::to_lower(text::trim(search.value_or("")));
  if (limit) {
    auto n = text::parse_int(*limit);
    if (!n || *n < 1 || *n > 1000) throw invalid_input("limit: expected 1..1000, got \"" + *limit + "\"");
    r.limit = static_cast<std::size_t>(*n);
  }
  return r;
}

json::object spend_view(storage::Database& db, const config::Config& config, const SpendRequest& r) {
  query::CostQuery q(db);
  const auto before = period_before(r.period);
  auto now_rows = q.totals(r.by, r.period, r.filters);
  std::map<std::string, double> previous;
  for (const auto& t : q.totals(r.by, before, r.filters)) previous[t.key] = t.effective;
  auto series = q.daily_series(r.by, r.period, r.filters);
  double total = 0, previous_total = 0;
  for (const auto& t : now_rows) total += t.effective;
  for (const auto& [key, v] : previous) previous_total += v;
  json::array rows;
  std::size_t matched = 0;
  for (const auto& t : now_rows) {
    if (!matches_search(t, r.search)) continue;
    if (++matched > r.limit) continue;
    const double before_cost = previous.count(t.key) ? previous[t.key] : 0.0;
    json::object row{{"key", t.key},
                     {"label", t.key.empty() ? std::string("(none)") : t.label},
                     {"cost", std::round(t.effective * 100) / 100},
                     {"previous_cost", std::round(before_cost * 100) / 100},
                     {"change", std::round((t.effective - before_cost) * 100) / 100},
                     {"share", total > 0 ? t.effective / total : 0.0}};
    row["change_pct"] = before_cost > 0 ? json::value(change_fraction(t.effective, before_cost)) : json::value(nullptr);
    if (auto it = series.find(t.key); it != series.end()) row["trend"] = numbers(it->second);
    rows.push_back(std::move(row));
  }
  json::array filters;
  for (const auto& f : r.filters) filters.push_back({{"dimension", std::string(query::name_of(f.dimension))}, {"value", f.value}});
  return {{"by", std::string(query::name_of(r.by))},
          {"period", period_json(r.period)},
          {"previous_period", period_json(before)},
          {"currency", config.currency.base},
          {"filters", filters},
          {"search", r.search},
          {"days", day_list(r.period)},
          {"total", std::round(total * 100) / 100},
          {"previous_total", std::round(previous_total * 100) / 100},
          {"daily_total", numbers(q.daily_total(r.period, r.filters))},
          {"rows", rows},
          {"matched", matched},
          {"dimensions", [] {
             json::array a;
             for (const auto& n : query::dimension_names()) a.push_back(json::value(n));
             return a;
           }()}};
}

json::object compare_view(storage::Database& db, const config::Config& config, query::Dimension dimension,
                          const std::string& a, const std::string& b, const query::Period& period) {
  query::CostQuery q(db);
  auto side = [&](const std::string& value) {
    query::Filters f{{dimension, value}};
    auto daily = q.daily_total(period, f);
    double total = 0;
    for (double v : daily) total += v;
    const double before = q.grand_total(period_before(period), f).effective;
    json::object o{{"value", value}, {"total", std::round(total * 100) / 100}, {"previous_total", std::round(before * 100) / 100},
                   {"daily", numbers(daily)}};
    o["change_pct"] = before > 0 ? json::value(change_fraction(total, before)) : json::value(nullptr);
    return o;
  };
  return {{"dimension", std::string(query::name_of(dimension))},
          {"period", period_json(period)},
          {"currency", config.currency.base},
          {"days", day_list(period)},
          {"a", side(a)},
          {"b", side(b)}};
}

json::object savings_view(storage::Database& db, const config::Config& config) {
  detect::FindingStore store(db);
  const std::string& currency = config.currency.base;
  json::array open;
  double open_month = 0, realised_month = 0;
  int realised_count = 0;
  for (const auto& f : store.findings({})) {
    if (alerts::kind_group(f.kind) != "waste") continue;
    if (f.status == "open") {
      open_month += std::max(0.0, f.impact_per_month);
      open.push_back({{"id", f.id},
                      {"ref", "F" + std::to_string(f.id)},
                      {"kind", f.kind},
                      {"kind_label", alerts::kind_label(f.kind)},
                      {"title", f.title},
                      {"team", f.team},
                      {"resource", f.resource},
                      {"severity", f.severity},
                      {"per_month", std::round(f.impact_per_month * 100) / 100},
                      {"per_month_text", fmtx::money(f.impact_per_month, 0, currency)}});
    } else if (f.status == "resolved") {
      realised_month += std::max(0.0, f.impact_per_month);
      ++realised_count;
    }
  }
  std::sort(open.begin(), open.end(), [](const json::value& x, const json::value& y) {
    return x.at("per_month").to_number<double>() > y.at("per_month").to_number<double>();
  });
  double approved = 0;
  int approved_count = 0;
  for (const auto& r : approvals::list_requests(db, false)) {
    if (r.status != "approved" || alerts::kind_group(r.finding_kind) != "waste") continue;
    approved += r.amount;
    ++approved_count;
  }
  return {{"currency", currency},
          {"open", open},
          {"open_per_month", std::round(open_month * 100) / 100},
          {"open_count", static_cast<std::int64_t>(open.size())},
          {"approved_per_month", std::round(approved * 100) / 100},
          {"approved_count", approved_count},
          {"realised_per_month", std::round(realised_month * 100) / 100},
          {"realised_count", realised_count}};
}

json::object summary_view(storage::Database& db, const config::Config& config, Day today) {
  const std::string& currency = config.currency.base;
  const Day as_of = latest_day(db, today);
  query::CostQuery q(db);
  const query::Period last30{as_of - std::chrono::days{29}, as_of + std::chrono::days{1}, "last 30 days"};
  const auto before30 = period_before(last30);
  const double now_total = q.grand_total(last30).effective, before_total = q.grand_total(before30).effective;
  const auto mtd = query::month_to_date(as_of);
  const double mtd_total = q.grand_total(mtd).effective;

  // Budgets, exactly as `costbot budgets` reports them as of the same day.
  json::array budgets;
  double budget_sum = 0, forecast_sum = 0;
  for (const auto& s : detect::budget_statuses(db, config, as_of)) {
    if (s.scope_dimension == "team") budget_sum += s.budget, forecast_sum += s.forecast;
    budgets.push_back({{"name", s.name},
                       {"scope", s.scope_label},
                       {"budget", s.budget},
                       {"month_to_date", std::round(s.month_to_date * 100) / 100},
                       {"forecast", std::round(s.forecast * 100) / 100},
                       {"forecast_lower", std::round(s.forecast_lower * 100) / 100},
                       {"forecast_upper", std::round(s.forecast_upper * 100) / 100},
                       {"forecast_used", s.forecast_used},
                       {"pace", s.pace},
                       {"status", s.forecast_used > 1.0 ? "over" : s.forecast_used > 0.9 ? "at risk" : "on track"}});
  }

  // Largest movers by team and by service: last 30 days against the 30 before.
  auto movers = [&](query::Dimension d) {
    std::map<std::string, double> before;
    for (const auto& t : q.totals(d, before30)) before[t.key] = t.effective;
    std::vector<std::pair<double, query::CostTotal>> changes;
    for (const auto& t : q.totals(d, last30)) changes.push_back({t.effective - before[t.key], t});
    std::sort(changes.begin(), changes.end(), [](const auto& x, const auto& y) { return std::fabs(x.first) > std::fabs(y.first); });
    json::array out;
    for (std::size_t i = 0; i < changes.size() && out.size() < 3; ++i) {
      const auto& [delta, t] = changes[i];
      const double b = before[t.key];
      out.push_back({{"key", t.key},
                     {"label", t.key.empty() ? std::string("(unallocated)") : t.label},
                     {"cost", std::round(t.effective * 100) / 100},
                     {"change", std::round(delta * 100) / 100},
                     {"change_text", (delta >= 0 ? "+" : "") + fmtx::money(delta, 0, currency)},
                     {"change_pct", b > 0 ? json::value(t.effective / b - 1) : json::value(nullptr)}});
    }
    return out;
  };

  // What is at stake in open incidents (per month), most severe first.
  detect::FindingStore store(db);
  int open_incidents = 0, critical = 0;
  const auto open = store.incidents(detect::FindingQuery::open());
  for (const auto& i : open) {
    ++open_incidents;
    critical += i.severity == "critical";
  }
  const double at_stake = detect::at_stake_per_day(store, config.detection.correlation, open) * 30.4;
  auto savings = savings_view(db, config);
  savings.erase("open");
  return {{"as_of", format_day(as_of)},
          {"as_of_text", "as of " + fmtx::day_short(as_of)},
          {"currency", currency},
          {"month", format_month(as_of)},
          {"month_to_date", std::round(mtd_total * 100) / 100},
          {"team_budgets", std::round(budget_sum * 100) / 100},
          {"team_forecast", std::round(forecast_sum * 100) / 100},
          {"last_30_days", std::round(now_total * 100) / 100},
          {"previous_30_days", std::round(before_total * 100) / 100},
          {"change_pct", before_total > 0 ? json::value(now_total / before_total - 1) : json::value(nullptr)},
          {"budgets", budgets},
          {"movers_by_team", movers(query::Dimension::team)},
          {"movers_by_service", movers(query::Dimension::service)},
          {"open_incidents", open_incidents},
          {"critical_incidents", critical},
          {"at_stake_per_month", std::round(at_stake * 100) / 100},
          {"savings", savings}};
}

}  // namespace costbot::web
