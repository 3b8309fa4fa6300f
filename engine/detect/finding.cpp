#include "engine/detect/finding.hpp"

namespace costbot::detect {

bool is_cost_anomaly(std::string_view kind) {
  return kind == kCostSpike || kind == kLevelShift || kind == kDrift || kind == kRunawayGrowth || kind == kCostDrop ||
         kind == kCostFlatline;
}

std::string incident_family(std::string_view kind) {
  return is_cost_anomaly(kind) ? "cost_anomaly" : std::string(kind);
}

std::string_view to_string(Severity s) {
  switch (s) {
    case Severity::critical: return "critical";
    case Severity::high: return "high";
    case Severity::medium: return "medium";
    case Severity::low: break;
  }
  return "low";
}

std::optional<Severity> parse_severity(std::string_view s) {
  if (s == "critical") return Severity::critical;
  if (s == "high") return Severity::high;
  if (s == "medium") return Severity::medium;
  if (s == "low") return Severity::low;
  return std::nullopt;
}

namespace {
boost::json::value day_or_null(const std::optional<Day>& d) {
  if (!d) return nullptr;
  return boost::json::value(format_day(*d));
}
}  // namespace

boost::json::array related_scopes_json(const std::vector<RelatedScope>& scopes) {
  boost::json::array out;
  for (const auto& r : scopes)
    out.push_back({{"dimension", r.dimension},
                   {"value", r.value},
                   {"kind", r.kind},
                   {"day", format_day(r.day)},
                   {"impact_per_day", r.impact_per_day},
                   {"percent_change", r.percent_change},
                   {"share", r.share}});
  return out;
}

boost::json::object to_json(const Finding& f) {
  boost::json::array contributors;
  for (const auto& c : f.contributors)
    contributors.push_back({{"dimension", c.dimension}, {"value", c.value}, {"delta", c.delta}, {"share", c.share}});
  return {{"id", f.id},
          {"kind", f.kind},
          {"rule_id", f.rule_id},
          {"scope", {{"dimension", f.scope_dimension}, {"value", f.scope_value}}},
          {"team", f.team},
          {"provider", f.provider},
          {"account", f.account},
          {"service", f.service},
          {"region", f.region},
          {"resource", f.resource},
          {"sku", f.sku},
          {"severity", f.severity},
          {"title", f.title},
          {"summary", f.summary},
          {"day", format_day(f.day)},
          {"window_start", day_or_null(f.window_start)},
          {"window_end", day_or_null(f.window_end)},
          {"expected", f.expected},
          {"lower", f.lower},
          {"upper", f.upper},
          {"actual", f.actual},
          {"impact_per_day", f.impact_per_day},
          {"impact_per_month", f.impact_per_month},
          {"percent_change", f.percent_change},
          {"score", f.score},
          {"contributors", contributors},
          {"related_scopes", related_scopes_json(f.related)},
          {"remediation", {{"text", f.remediation.text}, {"command", f.remediation.command}}},
          {"status", f.status},
          {"incident_id", f.incident_id},
          {"created_at", format_instant(f.created_at)},
          {"updated_at", format_instant(f.updated_at)}};
}

boost::json::object to_json(const Incident& i) {
  boost::json::object o{{"id", i.id},
                        {"family", i.family},
                        {"kind", i.kind},
                        {"scope", {{"dimension", i.scope_dimension}, {"value", i.scope_value}}},
                        {"team", i.team},
                        {"status", i.status},
                        {"severity", i.severity},
                        {"title", i.title},
                        {"first_day", format_day(i.first_day)},
                        {"last_day", format_day(i.last_day)},
                        {"baseline", i.baseline},
                        {"peak_impact_per_day", i.peak_impact_per_day},
                        {"latest_finding_id", i.latest_finding_id},
                        {"finding_count", i.finding_count},
                        {"resolution", i.resolution},
                        {"opened_at", format_instant(i.opened_at)},
                        {"updated_at", format_instant(i.updated_at)}};
  o["resolved_at"] = i.resolved_at ? boost::json::value(format_instant(i.resolved_at)) : boost::json::value(nullptr);
  return o;
}

}  // namespace costbot::detect
