#include "engine/tickets/finding_requests.hpp"

#include <fmt/format.h>

#include "engine/detect/finding_store.hpp"
#include "engine/util/error.hpp"
#include "engine/util/format.hpp"

namespace costbot::tickets {

std::string finding_ref(const detect::Finding& finding) { return "F" + std::to_string(finding.id); }

approvals::FindingFacts finding_facts(const config::Config& config, const detect::Finding& f) {
  approvals::FindingFacts out;
  out.id = finding_ref(f);
  out.kind = f.kind;
  out.scope_dimension = f.scope_dimension;
  out.severity = f.severity;
  out.title = f.title.empty() ? f.kind + " " + out.id : f.title;
  out.team = f.team;
  // Tiers are in dollars per month: the finding's monthly impact (or a month of its daily one).
  out.amount = f.impact_per_month > 0 ? f.impact_per_month : f.impact_per_day * 30.4;
  auto put = [&](const char* key, const std::string& value) {
    if (!value.empty()) out.facts[key] = value;
  };
  put("summary", f.summary);
  put("service", f.service);
  put("account", f.account);
  put("region", f.region);
  put("resource", f.resource);
  put("recommendation", f.remediation.text);
  put("scope", f.scope_dimension + "=" + f.scope_value);
  put("day", format_day(f.day));
  if (auto base = config.public_base_url(); !base.empty())
    out.facts["chart_url"] = base + "/charts/" + std::to_string(f.id) + ".png";
  return out;
}

TriggerReport open_requests_for_findings(storage::Database& db, const approvals::Approvals& approvals, UnixSeconds now) {
  TriggerReport report;
  if (approvals.config().approvals.triggers.empty()) return report;
  for (const auto& f : detect::FindingStore(db).findings(detect::FindingQuery::open())) {
    if (approvals::request_for_finding(db, finding_ref(f))) continue;
    ++report.examined;
    try {
      auto created = approvals.maybe_request_for_finding(db, finding_facts(approvals.config(), f), now);
      if (!created || !created->created) continue;
      ++report.opened;
      report.lines.push_back(fmt::format("{} ({}, {}, {}) opened request #{} (workflow {})", finding_ref(f), f.kind,
                                         f.severity, fmtx::money(f.impact_per_month, 0, approvals.config().currency.base),
                                         created->id, created->workflow));
    } catch (const Error& e) {
      // One finding the workflows cannot serve (no approver for its team) must not stop the rest.
      if (e.kind() != ErrorKind::invalid_input) throw;
      report.lines.push_back(finding_ref(f) + ": no request: " + e.what());
    }
  }
  return report;
}

}  // namespace costbot::tickets
