#include "engine/alerts/facts.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include "engine/alerts/kinds.hpp"
#include "engine/auth/link_signing.hpp"
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

// Contributors whose change is the same amount are one cause seen through several dimensions
// (a resource, its SKU, its usage type, its account: each "+$500/day, 101% of the change"). They
// read as one line, named by the most specific of them, with the others as its details.
struct CauseGroup {
  std::vector<const detect::Contributor*> members;
  double delta = 0, share = 0;
  const detect::Contributor* lead() const { return members.front(); }
  const detect::Contributor* member(std::string_view dimension) const {
    for (const auto* c : members)
      if (c->dimension == dimension) return c;
    return nullptr;
  }
};

int specificity(const std::string& dimension) {
  static const char* order[] = {"resource", "sku", "usage_type", "region", "account"};
  for (int i = 0; i < 5; ++i)
    if (dimension == order[i]) return i;
  return 5;
}

std::vector<CauseGroup> cause_groups(const Finding& f) {
  std::vector<CauseGroup> groups;
  for (const auto& c : f.contributors) {
    CauseGroup* same = nullptr;
    for (auto& g : groups) {
      const double scale = std::max(std::fabs(c.delta), std::fabs(g.delta));
      if (scale > 0 && std::fabs(c.delta - g.delta) <= 0.1 * scale && !g.member(c.dimension)) {
        same = &g;
        break;
      }
    }
    if (!same) {
      groups.push_back({{&c}, c.delta, c.share});
      continue;
    }
    same->members.push_back(&c);
  }
  for (auto& g : groups)
    std::stable_sort(g.members.begin(), g.members.end(),
                     [](const auto* a, const auto* b) { return specificity(a->dimension) < specificity(b->dimension); });
  return groups;
}

// "all of the change" when one cause carries it (shares above 100% mean something else fell).
std::string share_words(double share) {
  if (share >= 0.95) return "all of the change";
  return fmtx::percent(std::max(0.0, share)) + " of the change";
}

std::string dimension_words(const std::string& d) { return d == "usage_type" ? "usage type" : d == "sku" ? "SKU" : d; }

// The account's name where billing gives one ("Production (123456789012)"), else its id.
std::string account_words(storage::Database& db, const Finding& f, const std::string& account) {
  query::CostQuery q(db);
  auto rows = q.totals(query::Dimension::account, {f.day - std::chrono::days{6}, f.day + std::chrono::days{1}, ""},
                       {{query::Dimension::account, account}}, 1);
  if (!rows.empty() && !rows[0].label.empty() && rows[0].label != account) return rows[0].label;
  return account;
}

// The service a resource bills under, for readers who do not read resource ids.
std::string service_of_resource(storage::Database& db, const Finding& f, const std::string& resource) {
  query::CostQuery q(db);
  auto rows = q.totals(query::Dimension::service, {f.day - std::chrono::days{6}, f.day + std::chrono::days{1}, ""},
                       {{query::Dimension::resource, resource}}, 1);
  return rows.empty() ? std::string() : rows[0].key;
}

// The readable tail of a resource id: the name after the last '/' or ':' of an ARN or a path.
std::string resource_short(const std::string& id) {
  auto cut = id.find_last_of("/:");
  return cut == std::string::npos || cut + 1 >= id.size() ? id : id.substr(cut + 1);
}

// Text for readers who do not read resource ids (the CFO): a parenthesised id goes, any other
// becomes its readable tail ("arn:aws:ec2:...:instance/i-0abc" → "i-0abc").
std::string plain_words(std::string text, const Finding& f) {
  std::vector<std::string> ids;
  if (!f.resource.empty()) ids.push_back(f.resource);
  for (const auto& c : f.contributors)
    if (c.dimension == "resource" || c.dimension == "sku") ids.push_back(c.value);
  for (const auto& id : ids) {
    if (id.size() < 12) continue;  // short ids read fine
    text = text::replace_all(text, " (" + id + ")", "");
    text = text::replace_all(text, id, resource_short(id));
  }
  return text;
}

// One sentence of likely cause in business terms, for readers who want only that (the CFO): the
// service and the account's name, never an ARN or a SKU code.
std::string cause_sentence(storage::Database& db, const Finding& f, const std::vector<CauseGroup>& groups,
                           const std::string& currency) {
  auto business = [&](const CauseGroup& g) {
    std::string what;
    if (const auto* r = g.member("resource")) {
      std::string service = service_of_resource(db, f, r->value);
      what = (service.empty() ? std::string("resource ") : service + " resource ") + resource_short(r->value);
    } else if (g.member("sku") || g.member("usage_type")) {
      what = f.service.empty() ? "one kind of usage" : "one kind of " + f.service + " usage";
    } else if (const auto* region = g.member("region")) {
      what = "usage in " + region->value;
    }
    if (const auto* a = g.member("account")) what += (what.empty() ? "account " : " in account ") + account_words(db, f, a->value);
    return what.empty() ? std::string("one part of ") + scope_label(f.scope_dimension, f.scope_value) : what;
  };
  if (groups.empty()) {
    if (!f.resource.empty()) return "Caused by one " + (f.service.empty() ? std::string("resource") : f.service + " resource") + ".";
    return "";
  }
  const auto& top = groups.front();
  std::string s = fmt::format("Mostly {} ({}/day, {})", business(top), signed_money(top.delta, currency), share_words(top.share));
  if (groups.size() > 1 && groups[1].share >= 0.1) s += fmt::format(", then {} ({})", business(groups[1]), fmtx::percent(groups[1].share));
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

// "September 2024".
std::string facts_month_name(Day d) {
  static const char* months[] = {"January", "February", "March",     "April",   "May",      "June",
                                 "July",    "August",   "September", "October", "November", "December"};
  std::chrono::year_month_day ymd{d};
  return fmt::format("{} {}", months[static_cast<unsigned>(ymd.month()) - 1], static_cast<int>(ymd.year()));
}

json::object budget_facts(const detect::BudgetStatus& s, const Finding& f, const std::string& currency) {
  json::object b;
  b["name"] = s.name;
  b["monthly_text"] = fmtx::money(s.budget, 0, currency);
  b["month_text"] = format_month(s.as_of);
  b["as_of"] = format_day(s.as_of);
  b["as_of_text"] = "as of " + fmtx::day_short(s.as_of);
  const bool month_over = s.days_elapsed >= s.days_in_month;
  b["mtd_text"] = fmtx::money(s.month_to_date, 0, currency);
  b["used_text"] = fmtx::percent(s.used);
  // Every figure says when it was true: "$15,812 as of Dec 5"; a month that has ended reads as its total.
  b["forecast_text"] = fmtx::money(s.forecast, 0, currency) + (month_over ? " (final)" : " as of " + fmtx::day_short(s.as_of));
  b["forecast_interval_text"] = fmtx::money(s.forecast_lower, 0, currency) + " to " + fmtx::money(s.forecast_upper, 0, currency);
  b["forecast_used_text"] = fmtx::percent(s.forecast_used);
  b["pace_text"] = fmtx::percent(s.pace) + " of pace";
  b["days_text"] = fmt::format("day {} of {}", s.days_elapsed, s.days_in_month);
  const bool over = s.forecast > s.budget;
  b["over_budget"] = over;
  if (over) b["overrun_text"] = fmtx::money(s.forecast - s.budget, 0, currency);
  b["status_text"] = month_over
                        ? fmt::format("{} spent {} in {} against its {} budget ({})", s.name,
                                      fmtx::money(s.month_to_date, 0, currency), facts_month_name(s.as_of),
                                      fmtx::money(s.budget, 0, currency), fmtx::percent(s.used))
                        : fmt::format("{} spent {} of its {} {} budget by {} ({}, {}); month-end forecast {} ({} of budget, 90%: {})",
                                      s.name, fmtx::money(s.month_to_date, 0, currency), fmtx::money(s.budget, 0, currency),
                                      facts_month_name(s.as_of), fmtx::day_short(s.as_of), fmtx::percent(s.used),
                                      fmt::format("day {} of {}", s.days_elapsed, s.days_in_month),
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

std::string chart_path(const Finding& f) { return "/charts/" + std::to_string(f.id) + ".png"; }

std::string chart_url(const config::Config& config, const Finding& f) {
  const bool budget = f.kind == detect::kBudgetActual || f.kind == detect::kBudgetForecast;
  if (!detect::is_cost_anomaly(f.kind) && !budget) return {};
  return config.public_base_url() + chart_path(f);
}


namespace {
std::string url_component(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out += static_cast<char>(c);
    else out += {'%', hex[c >> 4], hex[c & 15]};
  }
  return out;
}

// A costbot server command ("costbot costs ...") belongs to the CLI, not to a chat message.
bool server_command(const std::string& command) { return command.rfind("costbot ", 0) == 0; }
}  // namespace

std::string spend_view_url(const std::string& base_url, const std::string& by, const std::string& period,
                           const std::string& where) {
  std::string url = base_url + "/?view=spend&by=" + url_component(by) + "&period=" + url_component(period);
  if (!where.empty()) url += "&where=" + url_component(where);
  return url + "#spend";
}

std::vector<Recommendation> recommendations_for(const Finding& f, const std::string& base_url) {
  std::vector<Recommendation> out;
  // The detector writes "F<id>" where the finding's id goes.
  if (!f.remediation.text.empty())
    out.push_back({text::replace_all(f.remediation.text, "F<id>", "F" + std::to_string(f.id)),
                   server_command(f.remediation.command) ? std::string() : f.remediation.command, "", ""});
  const std::string where = f.scope_dimension + "=" + f.scope_value;
  const std::string day = format_day(f.day);
  auto add = [&](std::string text, std::string by = {}, std::string period = {}, std::string filter = {}) {
    Recommendation r{std::move(text), "", "", ""};
    if (!by.empty()) {
      r.link_url = spend_view_url(base_url, by, period, filter);
      r.link_label = "Spend by " + by + ", " + (period == day + ".." + day ? fmtx::day_short(f.day) : period);
    }
    out.push_back(std::move(r));
  };
  const auto& k = f.kind;
  if (k == detect::kCostSpike || k == detect::kLevelShift) {
    add("See which resources moved on " + fmtx::day_short(f.day) + " and who owns them.", "resource", day + ".." + day, where);
  } else if (k == detect::kCostDrop) {
    add("Check that what ran here still runs (a stopped pipeline, an expired license, missing billing data) and that "
        "the drop is intended.",
        "resource", "30d", where);
  } else if (k == detect::kCostFlatline) {
    add("Cost no longer follows the usual weekly pattern: something may run idle at a fixed size. Check its "
        "utilisation and stop or downsize it.",
        "resource", "30d", where);
  } else if (k == detect::kDrift || k == detect::kRunawayGrowth) {
    add("Find what grows week over week (storage that is never cleaned up, an autoscaling group without a maximum) and "
        "set a lifecycle rule or a cap.",
        "resource", "30d", where);
  } else if (k == detect::kIdleCompute) {
    add("If nobody claims it within a week, snapshot and stop it; ask the owning team first.");
  } else if (k == detect::kUnattachedStorage) {
    add("Snapshot the volume, then delete it; the snapshot costs a fraction of the volume.");
  } else if (k == detect::kOversizedInstance) {
    add("Move it to the next size down in the same family and watch CPU for a week.");
  } else if (k == detect::kUnusedCommitment) {
    add("Move matching workloads onto the reservation or savings plan, or sell / exchange it where the provider allows.");
  } else if (k == detect::kUntaggedSpend) {
    add("Tag these resources with their team, or have a costbot admin add an attribution rule (attribution: in the "
        "config) so this spend lands on a team even before it is tagged.",
        "resource", "7d", where);
  } else if (k == detect::kOffHoursNonprod) {
    add("Put it on a schedule: stop at the end of the business day and start in the morning.");
  } else if (k == detect::kBudgetActual || k == detect::kBudgetForecast) {
    add("See which services drive this month's spend.", "service", "mtd", f.team.empty() ? std::string() : "team=" + f.team);
  }
  if (out.empty()) add("Review " + scope_label(f.scope_dimension, f.scope_value) + " with its owning team.");
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
  o["plain_title"] = plain_words(f.title, f);
  put(o, "summary", f.summary);
  o["status"] = f.status;
  o["scope_dimension"] = f.scope_dimension;
  put(o, "scope_value", f.scope_value);
  o["scope_label"] = scope_label(f.scope_dimension, f.scope_value);
  o["plain_scope_label"] = plain_words(scope_label(f.scope_dimension, f.scope_value), f);
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

  // Likely cause: one line per cause (see cause_groups), the most specific dimension first.
  json::array contributors;
  const auto groups = cause_groups(f);
  for (std::size_t i = 0; i < groups.size() && contributors.size() < 5; ++i) {
    const auto& g = groups[i];
    std::vector<std::string> details;
    for (std::size_t k = 1; k < g.members.size(); ++k)
      details.push_back(dimension_words(g.members[k]->dimension) + " " + g.members[k]->value);
    contributors.push_back({{"dimension", dimension_words(g.lead()->dimension)},
                            {"value", g.lead()->value},
                            {"details", text::join(details, ", ")},
                            {"delta_text", signed_money(g.delta, currency) + "/day"},
                            {"share_text", share_words(g.share)}});
  }
  o["has_contributors"] = !contributors.empty();
  o["contributors"] = std::move(contributors);
  put(o, "cause_sentence", cause_sentence(db, f, groups, currency));

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
  if (auto b = detect::budget_for_finding(db, config, f)) {
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
  auto list = recommendations_for(f, config.public_base_url());
  for (std::size_t i = 0; i < list.size(); ++i) {
    json::object r{{"text", list[i].text}, {"index", static_cast<std::int64_t>(i + 1)}};
    put(r, "command", list[i].command);
    put(r, "link_url", list[i].link_url);
    put(r, "link_label", list[i].link_label);
    recs.push_back(std::move(r));
  }
  o["first_recommendation"] = list.front().text;
  o["plain_first_recommendation"] = plain_words(list.front().text, f);
  for (const auto& r : list)
    if (!r.command.empty()) {
      o["fix_command"] = r.command;
      break;
    }
  for (const auto& r : list)
    if (!r.link_url.empty()) {
      o["spend_url"] = r.link_url;
      o["spend_label"] = r.link_label;
      break;
    }
  o["recommendations"] = std::move(recs);

  // Links.
  const std::string base = config.public_base_url();
  json::array links;
  if (auto chart = chart_url(config, f); !chart.empty()) {
    o["chart_url"] = chart;
    links.push_back({{"label", "Cost chart"}, {"url", chart}});
    // Slack and Teams fetch an image themselves: only from a public https address (server.public_url),
    // and without anyone's session, so the image link is signed and expires (engine/auth/link_signing).
    if (config.server.public_url.rfind("https://", 0) == 0)
      o["chart_image_url"] = chart + "?" +
                             auth::signed_query(db, chart_path(f),
                                                std::max(f.updated_at, f.created_at) + auth::kChartLinkLifetime);
    o["chart_alt"] = budget ? "This month's spend against the budget, with the forecast to month end"
                            : "Daily cost of " + scope_label(f.scope_dimension, f.scope_value) + ", expected range and anomalous days";
  }
  // The page that shows this (served by the web channel; /incidents/7 or /findings/12).
  o["open_url"] = base + (f.incident_id ? "/incidents/" + std::to_string(f.incident_id) : "/findings/" + std::to_string(f.id));
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
