#pragma once
// What open incidents put at stake per day, each dollar counted once (issue 14: never summed
// across overlapping scopes). Shared by `/cost anomalies` and the web spend view.
//  - Budget incidents are left out: a budget runs over because of the costs the other incidents
//    are about, so adding its overrun would count those dollars twice.
//  - A cost-anomaly incident whose scope lies inside another open cost-anomaly incident's scope
//    (narrower in detection.correlation.hierarchies, and the narrower one's finding carries the
//    broader scope's value: a resource of that team, a service in that account) is part of that
//    change: such a group counts as the larger of its largest change and the sum of its innermost
//    changes, never the sum of nested scopes. (Two open broad incidents that overlap without an
//    open narrower one inside both, say a team and an account, cannot be told apart here and
//    are both counted.)
//  - Waste and other incidents count their own dollars.
// Header-only on purpose: two callers, and a new engine source would reshuffle the unity batches.
#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "engine/detect/correlation.hpp"
#include "engine/detect/finding.hpp"
#include "engine/detect/finding_store.hpp"

namespace costbot::detect {

namespace at_stake_detail {

// The finding's value for a scope dimension, or nothing when the finding does not carry it.
inline const std::string* finding_value_of(const Finding& f, const std::string& dimension) {
  if (dimension == "team") return &f.team;
  if (dimension == "provider") return &f.provider;
  if (dimension == "account") return &f.account;
  if (dimension == "service") return &f.service;
  if (dimension == "region") return &f.region;
  if (dimension == "resource") return &f.resource;
  if (dimension == "sku") return &f.sku;
  return nullptr;
}

}  // namespace at_stake_detail

inline double at_stake_per_day(FindingStore& store, const config::CorrelationConfig& scopes,
                               const std::vector<Incident>& incidents) {
  std::vector<const Incident*> anomalies;
  std::vector<std::optional<Finding>> findings;
  double total = 0;
  for (const auto& i : incidents) {
    if (i.status != "open" || i.family.rfind("budget", 0) == 0) continue;
    if (i.family != "cost_anomaly") {
      total += std::max(0.0, i.peak_impact_per_day);
      continue;
    }
    anomalies.push_back(&i);
    findings.push_back(store.finding(i.latest_finding_id));
  }
  const std::size_t n = anomalies.size();
  // b lies inside a: b's scope is narrower and b's finding carries a's scope value.
  auto inside = [&](std::size_t b, std::size_t a) {
    const auto& A = *anomalies[a];
    const auto& B = *anomalies[b];
    if (!findings[b] || !is_narrower(scopes, B.scope_dimension, A.scope_dimension)) return false;
    if ((A.peak_impact_per_day > 0) != (B.peak_impact_per_day > 0)) return false;
    const std::string* v = at_stake_detail::finding_value_of(*findings[b], A.scope_dimension);
    return v && !v->empty() && *v == A.scope_value;
  };
  // Incidents linked by containment form one group (one event seen at several scopes, or several
  // events under one scope). A group is worth the larger of its largest incident and the sum of
  // its innermost ones (those with nothing open inside them): never the sum of nested scopes.
  std::vector<std::size_t> group(n);
  for (std::size_t i = 0; i < n; ++i) group[i] = i;
  auto root = [&](std::size_t i) {
    while (group[i] != i) i = group[i] = group[group[i]];
    return i;
  };
  std::vector<bool> has_inside(n, false);
  for (std::size_t a = 0; a < n; ++a)
    for (std::size_t b = 0; b < n; ++b)
      if (a != b && inside(b, a)) {
        has_inside[a] = true;
        group[root(a)] = root(b);
      }
  std::vector<double> largest(n, 0.0), innermost(n, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    const double peak = std::max(0.0, anomalies[i]->peak_impact_per_day);
    const std::size_t g = root(i);
    largest[g] = std::max(largest[g], peak);
    if (!has_inside[i]) innermost[g] += peak;
  }
  for (std::size_t g = 0; g < n; ++g)
    if (root(g) == g) total += std::max(largest[g], innermost[g]);
  return total;
}

}  // namespace costbot::detect
