#include "engine/alerts/facts.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "engine/alerts/kinds.hpp"
#include "engine/detect/budgets.hpp"
#include "engine/detect/finding_store.hpp"
#include "engine/detect/tuning.hpp"
#include "engine/query/costs.hpp"
#include "engine/util/error.hpp"
#include "engine/util/format.hpp"
#include "engine/util/strings.hpp"

namespace costbot::alerts {
namespace json = boost::json;
using detect::Finding;

namespace {

void put(json::object& o, const char* key, const std::string& value) {
  if (!value.empty()) o[key] = value;
}

// "+$1,200", "-$42.50".
std::string signed_money(double v, const std::string& currency) { return (v >= 0 ? "+" : "") + fmtx::money_rounded(v, currency); }

std::string severity_icon(const std::string& s) {
  if (s == "critical") return "\xF0\x9F\x94\xB4";  // red circle
  if (s == "high") return "\xF0\x9F\x9F\xA0";      // orange circle
  if (s == "medium") return "\xF0\x9F\x9F\xA1";    // yellow circle
  return "\xF0\x9F\x94\xB5";                        // blue circle
}

std::string capitalized(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 32);
  return s;
}

std::string scope_label(const std::string& dim, const std::string& value) {
  if (dim == "budget") return "budget " + value;
  return dim + " " + (value.empty() ? "(unallocated)" : value);
}

std::string window_text(const Finding& f) {
  if (!f.window_start || !f.window_end || *f.window_start == *f.window_end) return fmtx::day_short(f.day);
  return fmtx::day_short(*f.window_start) + " \xE2\x80\x93 " + fmtx::day_short(*f.window_end);  // en dash
}

std::string confidence_words(double score) {
  if (score >= 0.9) return "very high";
  if (score >= 0.75) return "high";
  if (score >= 0.5) return "moderate";
  return "low";
}

// One sentence of likely cause, for readers who want only that (the CFO).
std::string cause_sentence(const Finding& f, const std::string& currency) {
  if (f.contributors.empty()) {
    if (!f.resource.empty()) return "Caused by " + f.resource + (f.service.empty() ? "" : " (" + f.service + ")") + ".";
    return "";
  }
  const auto& top = f.contributors.front();
  std::string s = fmt::format("Mostly {} {} ({}/day, {} of the change)", top.dimension, top.value, signed_money(top.delta, currency),
                              fmtx::percent(top.share));
  if (f.contributors.size() > 1) {
    const auto& next = f.contributors[1];
    s += fmt::format(", then {} {} ({})", next.dimension, next.value, fmtx::percent(next.share));
  }
  return s + ".";
}

// The one-line "where": resource, account, region, SKU (what an engineer needs to find it).
std::string where_line(const Finding& f) {
  std::vector<std::string> parts;
  if (!f.resource.empty()) parts.push_back("resource " + f.resource);
  if (!f.service.empty()) parts.push_back(f.service);
  if (!f.account.empty()) parts.push_back("account " + f.account);
  if (!f.region.empty()) parts.push_back(f.region);
  if (!f.sku.empty()) parts.push_back("SKU " + f.sku);
  if (!f.provider.empty() && parts.size() < 5) parts.push_back(f.provider);
  return text::join(parts, " \xC2\xB7 ");  // middle dot
}

std::optional<query::Filters> scope_filters(const Finding& f) {
  auto dim = query::parse_dimension(f.scope_dimension);
  if (!dim) return std::nullopt;
  return query::Filters{{*dim, f.scope_value}};
}

std::optional<detect::BudgetStatus> budget_for(storage::Database& db, const config::Config& config, const Finding& f) {
  if (f.kind == detect::kBudgetActual || f.kind == detect::kBudgetForecast) {
    for (auto& s : detect::budget_statuses(db, config, f.day))
      if (detect::budget_rule_id(s.name) == f.rule_id) return s;
  }
  if (!f.team.empty()) return detect::team_budget_status(db, config, f.team, f.day);
  return std::nullopt;
}

json::object budget_facts(const detect::BudgetStatus& s, const Finding& f, const std::string& currency) {
  json::object b;
  b["name"] = s.name;
  b["monthly_text"] = fmtx::money(s.budget, 0, currency);
  b["month_text"] = format_month(s.as_of);
  b["mtd_text"] = fmtx::money(s.month_to_date, 0, currency);
  b["used_text"] = fmtx::percent(s.used);
  b["forecast_text"] = fmtx::money(s.forecast, 0, currency);
  b["forecast_interval_text"] = fmtx::money(s.forecast_lower, 0, currency) + " to " + fmtx::money(s.forecast_upper, 0, currency);
  b["forecast_used_text"] = fmtx::percent(s.forecast_used);
  b["pace_text"] = fmtx::percent(s.pace) + " of pace";
  b["days_text"] = fmt::format("day {} of {}", s.days_elapsed, s.days_in_month);
  const bool over = s.forecast > s.budget;
  b["over_budget"] = over;
  if (over) b["overrun_text"] = fmtx::money(s.forecast - s.budget, 0, currency);
  b["status_text"] = fmt::format("{} spent {} of its {} budget ({}, {}); month-end forecast {} ({} of budget, 90%: {})",
                                 s.name, fmtx::money(s.month_to_date, 0, currency), fmtx::money(s.budget, 0, currency),
                                 fmtx::percent(s.used), fmt::format("day {} of {}", s.days_elapsed, s.days_in_month),
                                 fmtx::money(s.forecast, 0, currency), fmtx::percent(s.forecast_used),
                                 b["forecast_interval_text"].as_string().c_str());
  // The finding's monthly impact against the budget: what a CFO weighs.
  if (s.budget > 0 && f.impact_per_month > 0 && detect::is_cost_anomaly(f.kind))
    b["impact_share_text"] = fmtx::percent(f.impact_per_month / s.budget);
  return b;
}

json::array allocation(storage::Database& db, const Finding& f, const std::string& currency) {
  json::array out;
  auto filters = scope_filters(f);
  if (!filters || f.scope_dimension == "team") return out;
  const Day from = f.window_start && f.kind != detect::kCostSpike ? std::max(*f.window_start, f.day - std::chrono::days{6}) : f.day;
  query::Period period{from, f.day + std::chrono::days{1}, ""};
  query::CostQuery q(db);
  auto rows = q.totals(query::Dimension::team, period, *filters, 4);
  double total = 0;
  for (const auto& r : rows) total += r.effective;
  if (total <= 0) return out;
  for (const auto& r : rows) {
    if (r.effective <= 0) continue;
    out.push_back({{"team", r.key.empty() ? "unallocated" : r.key},
                   {"share_text", fmtx::percent(r.effective / total)},
                   {"amount_text", fmtx::money_rounded(r.effective, currency)}});
  }
  return out;
}

// The team's largest service increases over the last week against the week before.
json::array team_drivers(storage::Database& db, const std::string& team, Day day, const std::string& currency) {
  json::array out;
  if (team.empty()) return out;
  query::CostQuery q(db);
  query::Filters filters{{query::Dimension::team, team}};
  const auto next = day + std::chrono::days{1};
  auto recent = q.totals(query::Dimension::service, {next - std::chrono::days{7}, next, ""}, filters);
  auto before = q.totals(query::Dimension::service, {next - std::chrono::days{14}, next - std::chrono::days{7}, ""}, filters);
  std::map<std::string, double> previous;
  for (const auto& r : before) previous[r.key] = r.effective;
  struct Driver {
    std::string name;
    double now, change;
  };
  std::vector<Driver> drivers;
  for (const auto& r : recent) drivers.push_back({r.key.empty() ? "(no service)" : r.label, r.effective, r.effective - previous[r.key]});
  std::sort(drivers.begin(), drivers.end(), [](const Driver& a, const Driver& b) { return a.change > b.change; });
  for (std::size_t i = 0; i < drivers.size() && out.size() < 3; ++i) {
    if (drivers[i].change < 10) break;  // cents of change are not a driver
    const double base = drivers[i].now - drivers[i].change;
    out.push_back({{"name", drivers[i].name},
                   {"week_text", fmtx::money_rounded(drivers[i].now, currency)},
                   {"change_text", signed_money(drivers[i].change, currency)},
                   {"percent_text", base > 0 ? fmtx::percent_change(drivers[i].change / base) : std::string("new")}});
  }
  return out;
}

// Where the money went when the detector did not say: the account, region, SKU and service that
// carried most of the scope's cost on the finding's day (narrowed to its resource when known), so
// an engineer always gets a place to look.
Finding with_location(storage::Database& db, Finding f) {
  auto filters = scope_filters(f);
  if (!filters) return f;
  if (!f.resource.empty() && f.scope_dimension != "resource") filters->push_back({query::Dimension::resource, f.resource});
  query::CostQuery q(db);
  const query::Period period{f.day, f.day + std::chrono::days{1}, ""};
  auto top = [&](query::Dimension d, std::string& field) {
    if (!field.empty()) return;
    auto rows = q.totals(d, period, *filters, 1);
    if (!rows.empty() && rows[0].effective > 0) field = rows[0].key;
  };
  top(query::Dimension::account, f.account);
  top(query::Dimension::region, f.region);
  top(query::Dimension::sku, f.sku);
  top(query::Dimension::service, f.service);
  return f;
}

}  // namespace

std::string subject_of(const Finding& f) {
  return f.incident_id ? "incident:" + std::to_string(f.incident_id) : "finding:" + std::to_string(f.id);
}

std::string chart_url(const config::Config& config, const Finding& f) {
  if (!detect::is_cost_anomaly(f.kind)) return {};
  return config.public_base_url() + "/charts/" + std::to_string(f.id) + ".png";
}

namespace {
// A command-line argument as a shell reads it: quoted when it has spaces or quotes.
std::string shell_arg(const std::string& s) {
  if (!s.empty() && s.find_first_of(" \t'\"$`\\*?;&|<>()") == std::string::npos) return s;
  return "'" + text::replace_all(s, "'", "'\\''") + "'";
}
}  // namespace

std::vector<Recommendation> recommendations_for(const Finding& f) {
  std::vector<Recommendation> out;
  // The detector writes "F<id>" where the finding's id goes.
  if (!f.remediation.text.empty())
    out.push_back({text::replace_all(f.remediation.text, "F<id>", "F" + std::to_string(f.id)), f.remediation.command});
  const std::string where = shell_arg(f.scope_dimension + "=" + f.scope_value);
  const std::string day = format_day(f.day);
  auto add = [&](std::string text, std::string command = {}) { out.push_back({std::move(text), std::move(command)}); };
  const auto& k = f.kind;
  if (k == detect::kCostSpike || k == detect::kLevelShift) {
    add("See which resources moved on " + fmtx::day_short(f.day) + " and who owns them.",
        "costbot costs --by resource --from " + day + " --to " + day + " --where " + where);
  } else if (k == detect::kCostDrop) {
    add("Check that what ran here still runs (a stopped pipeline, an expired license, missing billing data) and that "
        "the drop is intended.",
        "costbot costs --by resource --period 30d --where " + where);
  } else if (k == detect::kCostFlatline) {
    add("Cost no longer follows the usual weekly pattern: something may run idle at a fixed size. Check its "
        "utilisation and stop or downsize it.",
        "costbot costs --by resource --period 30d --where " + where);
  } else if (k == detect::kDrift || k == detect::kRunawayGrowth) {
    add("Find what grows week over week (storage that is never cleaned up, an autoscaling group without a maximum) and "
        "set a lifecycle rule or a cap.",
        "costbot costs --by resource --period 30d --where " + where);
  } else if (k == detect::kIdleCompute) {
    add("If nobody claims it within a week, snapshot and stop it; ask the owning team first.",
        f.resource.empty() ? std::string() : "costbot costs --by resource --period 30d --where " + shell_arg("resource=" + f.resource));
  } else if (k == detect::kUnattachedStorage) {
    add("Snapshot the volume, then delete it; the snapshot costs a fraction of the volume.");
  } else if (k == detect::kOversizedInstance) {
    add("Move it to the next size down in the same family and watch CPU for a week.");
  } else if (k == detect::kUnusedCommitment) {
    add("Move matching workloads onto the reservation or savings plan, or sell / exchange it where the provider allows.");
  } else if (k == detect::kUntaggedSpend) {
    add("Add an attribution rule so this spend lands on a team even before it is tagged.",
        "costbot costs --by resource --period 7d --where " + where);
  } else if (k == detect::kOffHoursNonprod) {
    add("Put it on a schedule: stop at the end of the business day and start in the morning.");
  } else if (k == detect::kBudgetActual || k == detect::kBudgetForecast) {
    add("See which services drive this month's spend.",
        "costbot costs --by service --period mtd" + (f.team.empty() ? std::string() : " --where " + shell_arg("team=" + f.team)));
  }
  if (out.empty()) add("Review " + scope_label(f.scope_dimension, f.scope_value) + " with its owning team.",
                       "costbot findings --id F" + std::to_string(f.id));
  return out;
}

json::object finding_facts(storage::Database& db, const config::Config& config, const Finding& found,
                           const std::optional<detect::Incident>& incident) {
  const std::string& currency = config.currency.base;
  const Finding f = with_location(db, found);
  json::object o;
  o["id"] = f.id;
  o["ref"] = "F" + std::to_string(f.id);
  o["subject"] = subject_of(f);
  o["kind"] = f.kind;
  o["kind_label"] = kind_label(f.kind);
  o["event"] = event_for_kind(f.kind);
  o["is_anomaly"] = detect::is_cost_anomaly(f.kind);
  o["is_waste"] = kind_group(f.kind) == "waste";
  o["is_budget"] = kind_group(f.kind) == "budget";
  o["severity"] = f.severity;
  o["severity_label"] = capitalized(f.severity);
  o["severity_icon"] = severity_icon(f.severity);
  o["is_critical"] = f.severity == "critical";
  o["title"] = f.title;
  put(o, "summary", f.summary);
  o["status"] = f.status;
  o["scope_dimension"] = f.scope_dimension;
  put(o, "scope_value", f.scope_value);
  o["scope_label"] = scope_label(f.scope_dimension, f.scope_value);
  put(o, "team", f.team);
  o["team_label"] = f.team.empty() ? "unallocated" : f.team;
  put(o, "provider", f.provider);
  put(o, "account", f.account);
  put(o, "region", f.region);
  put(o, "service", f.service);
  put(o, "resource", f.resource);
  put(o, "sku", f.sku);
  put(o, "where_line", where_line(f));
  o["day"] = format_day(f.day);
  o["day_text"] = fmtx::day_short(f.day);
  o["window_text"] = window_text(f);

  // Expected against actual, with the normal range.
  const bool budget = kind_group(f.kind) == "budget";
  o["actual_text"] = fmtx::money_rounded(f.actual, currency);
  o["expected_text"] = fmtx::money_rounded(f.expected, currency);
  if (f.upper > 0 && kind_group(f.kind) != "waste") {  // waste rules keep a threshold there, not money
    o["interval_text"] = fmtx::money_rounded(std::max(0.0, f.lower), currency) + " to " + fmtx::money_rounded(f.upper, currency);
  }
  o["per_text"] = budget ? "" : "/day";
  o["impact_day_text"] = fmtx::money_rounded(f.impact_per_day, currency) + "/day";
  o["impact_month_text"] = fmtx::money_rounded(f.impact_per_month, currency) + "/month";
  o["impact_day"] = f.impact_per_day;
  o["impact_month"] = f.impact_per_month;
  o["percent_change_text"] = fmtx::percent_change(f.percent_change);
  o["variance_text"] = signed_money(f.actual - f.expected, currency) + (budget ? "" : "/day");
  o["confidence_text"] = fmtx::percent(std::clamp(f.score, 0.0, 1.0));
  o["confidence_words"] = confidence_words(f.score);
  o["detector"] = detect::is_cost_anomaly(f.kind) ? "seasonal robust baseline (" + f.rule_id + ")"
                  : budget                         ? "month-end forecast (" + f.rule_id + ")"
                                                   : "waste rule " + f.rule_id;

  // Likely cause.
  json::array contributors;
  for (std::size_t i = 0; i < f.contributors.size() && i < 5; ++i) {
    const auto& c = f.contributors[i];
    contributors.push_back({{"dimension", c.dimension},
                            {"value", c.value},
                            {"delta_text", signed_money(c.delta, currency) + "/day"},
                            {"share_text", fmtx::percent(c.share)}});
  }
  o["has_contributors"] = !contributors.empty();
  o["contributors"] = std::move(contributors);
  put(o, "cause_sentence", cause_sentence(f, currency));

  // The same event at broader scopes (detection.correlation): context, never added to the impact.
  json::array related;
  std::string seen_in;
  for (const auto& r : f.related) {
    const std::string scope = r.dimension + " " + (r.value.empty() ? "(unallocated)" : r.value);
    related.push_back({{"scope", scope},
                       {"dimension", r.dimension},
                       {"value", r.value},
                       {"impact_day_text", signed_money(r.impact_per_day, currency) + "/day"},
                       {"percent_change_text", fmtx::percent_change(r.percent_change)},
                       {"share_text", fmtx::percent(r.share)}});
    seen_in += (seen_in.empty() ? "" : ", ") + scope + " (" + fmtx::percent_change(r.percent_change) + ")";
  }
  o["has_related_scopes"] = !related.empty();
  o["related_scopes"] = std::move(related);
  put(o, "related_sentence", seen_in.empty() ? std::string() : "Also seen in " + seen_in + ": the same event, counted once.");

  // Budget status and forecast (the finding's own budget, else its team's).
  if (auto b = budget_for(db, config, f)) {
    o["budget"] = budget_facts(*b, f, currency);
    o["has_budget"] = true;
  } else {
    o["has_budget"] = false;
  }

  auto alloc = allocation(db, f, currency);
  if (!alloc.empty()) {
    std::string line;
    for (const auto& a : alloc)
      line += (line.empty() ? "" : ", ") + std::string(a.at("team").as_string()) + " " + std::string(a.at("share_text").as_string());
    o["allocation_text"] = line;
  } else {
    o["allocation_text"] = "team " + std::string(f.team.empty() ? "unallocated" : f.team) + " 100%";
  }
  o["allocation"] = std::move(alloc);
  auto drivers = team_drivers(db, f.team, f.day, currency);
  o["has_team_drivers"] = !drivers.empty();
  o["team_drivers"] = std::move(drivers);

  // What to do.
  json::array recs;
  auto list = recommendations_for(f);
  for (std::size_t i = 0; i < list.size(); ++i) {
    json::object r{{"text", list[i].text}, {"index", static_cast<std::int64_t>(i + 1)}};
    put(r, "command", list[i].command);
    recs.push_back(std::move(r));
  }
  o["first_recommendation"] = list.front().text;
  for (const auto& r : list)
    if (!r.command.empty()) {
      o["fix_command"] = r.command;
      break;
    }
  o["recommendations"] = std::move(recs);

  // Links.
  const std::string base = config.public_base_url();
  json::array links;
  if (auto chart = chart_url(config, f); !chart.empty()) {
    o["chart_url"] = chart;
    links.push_back({{"label", "Cost chart"}, {"url", chart}});
  }
  o["open_url"] = base + "/#" + subject_of(f);
  links.push_back({{"label", "Open in costbot"}, {"url", o["open_url"]}});
  o["links"] = std::move(links);

  if (incident) {
    json::object i{{"id", incident->id},
                   {"ref", "I" + std::to_string(incident->id)},
                   {"status", incident->status},
                   {"first_day_text", fmtx::day_short(incident->first_day)},
                   {"last_day_text", fmtx::day_short(incident->last_day)},
                   {"finding_count", incident->finding_count},
                   {"is_open", incident->status == "open"},
                   {"peak_impact_text", fmtx::money_rounded(incident->peak_impact_per_day, currency) + "/day"}};
    put(i, "resolution", incident->resolution);
    o["incident"] = std::move(i);
    o["is_resolved"] = incident->status != "open";
    if (incident->status != "open") o["status"] = incident->status;
  } else {
    o["is_resolved"] = f.status == "resolved" || f.status == "dismissed";
  }
  return o;
}

FindingRef load_finding(storage::Database& db, const std::string& reference) {
  detect::FindingStore store(db);
  std::string ref = std::string(text::trim(reference));
  bool incident_ref = !ref.empty() && (ref[0] == 'I' || ref[0] == 'i');
  if (!ref.empty() && (ref[0] == 'F' || ref[0] == 'f' || incident_ref)) ref = ref.substr(1);
  auto id = text::parse_int(ref);
  if (!id || *id <= 0) throw invalid_input("\"" + reference + "\" is not a finding id (12, F12) or an incident id (I7)");
  FindingRef out;
  if (incident_ref) {
    auto incident = store.incident(*id);
    if (!incident) throw not_found("no incident I" + std::to_string(*id));
    auto latest = store.finding(incident->latest_finding_id);
    if (!latest) throw not_found("incident I" + std::to_string(*id) + " has no finding");
    out.finding = std::move(*latest);
    out.incident = std::move(incident);
    return out;
  }
  auto f = store.finding(*id);
  if (!f) throw not_found("no finding F" + std::to_string(*id));
  out.finding = std::move(*f);
  if (out.finding.incident_id) out.incident = store.incident(out.finding.incident_id);
  return out;
}

}  // namespace costbot::alerts
