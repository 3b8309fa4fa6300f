#pragma once
// Finding kinds as people and personas see them: the three groups (cost_anomaly, waste, budget),
// the message event each kind is written as (anomaly, waste, budget), and words for each kind.
#include <string>
#include <string_view>
#include <vector>

namespace costbot::alerts {

// "cost_anomaly" (cost_spike, level_shift, drift, runaway_growth), "waste" (every waste rule
// kind) or "budget" (budget_actual, budget_forecast); "" for a kind this build does not know.
std::string kind_group(std::string_view kind);
// The template event a finding of this kind is written as: anomaly, waste or budget.
std::string event_for_kind(std::string_view kind);
// Every finding kind this build produces.
std::vector<std::string> known_kinds();
// What a persona's `kinds` may name: the groups, every kind, and "*".
std::vector<std::string> kind_choices();
// True when `kind` is named by one of `selectors` (a group, a kind, or a glob such as "budget_*");
// an empty list selects every kind.
bool kind_selected(const std::vector<std::string>& selectors, std::string_view kind);
// "Cost spike", "Idle compute", "Budget forecast", ...
std::string kind_label(std::string_view kind);

}  // namespace costbot::alerts
