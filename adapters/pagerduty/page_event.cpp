#include "adapters/pagerduty/page_event.hpp"

namespace costbot::pagerduty {
namespace json = boost::json;
namespace {

std::string fact_text(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace

std::string severity_for(const std::string& s) {
  if (s == "critical") return "critical";
  if (s == "high") return "error";
  if (s == "medium") return "warning";
  return "info";
}

json::object event_for(const messages::Page& page, const PageOptions& options) {
  if (page.action != "trigger") return {{"event_action", page.action}, {"dedup_key", page.dedup_key}};
  const auto& f = page.facts;
  std::string summary = fact_text(f, "title");
  if (summary.size() > 1024) summary = summary.substr(0, 1021) + "...";
  json::object details{{"impact_per_day", fact_text(f, "impact_day_text")},
                       {"impact_per_month", fact_text(f, "impact_month_text")},
                       {"change", fact_text(f, "percent_change_text")},
                       {"expected", fact_text(f, "expected_text")},
                       {"actual", fact_text(f, "actual_text")},
                       {"scope", fact_text(f, "scope_label")},
                       {"finding", fact_text(f, "ref")},
                       {"cause", fact_text(f, "cause_sentence")},
                       {"recommendation", fact_text(f, "first_recommendation")}};
  if (auto cmd = fact_text(f, "fix_command"); !cmd.empty()) details["command"] = cmd;
  json::object payload{{"summary", summary},
                       {"source", options.source},
                       {"severity", severity_for(fact_text(f, "severity"))},
                       {"class", fact_text(f, "kind")},
                       {"custom_details", details}};
  if (auto team = fact_text(f, "team"); !team.empty()) payload["group"] = team;
  std::string component = fact_text(f, "resource");
  if (component.empty()) component = fact_text(f, "service");
  if (!component.empty()) payload["component"] = component;
  json::object event{{"event_action", "trigger"}, {"dedup_key", page.dedup_key}, {"payload", payload}, {"client", "costbot"}};
  if (!options.client_url.empty()) event["client_url"] = options.client_url;
  json::array links;
  if (auto open = fact_text(f, "open_url"); !open.empty()) links.push_back({{"href", open}, {"text", "Open in costbot"}});
  event["links"] = links;
  if (auto chart = fact_text(f, "chart_url"); !chart.empty())
    event["images"] = json::array{{{"src", chart}, {"href", chart}, {"alt", "Cost trend"}}};
  return event;
}

}  // namespace costbot::pagerduty
