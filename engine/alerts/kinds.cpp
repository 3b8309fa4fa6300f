#include "engine/alerts/kinds.hpp"

#include <algorithm>

#include "engine/detect/finding.hpp"
#include "engine/detect/rules.hpp"
#include "engine/util/strings.hpp"

namespace costbot::alerts {

std::string kind_group(std::string_view kind) {
  if (detect::is_cost_anomaly(kind)) return "cost_anomaly";
  if (kind == detect::kBudgetActual || kind == detect::kBudgetForecast) return "budget";
  if (detect::find_rule_kind(kind)) return "waste";
  return {};
}

std::string event_for_kind(std::string_view kind) {
  auto group = kind_group(kind);
  if (group == "cost_anomaly") return "anomaly";
  if (group == "budget") return "budget";
  return "waste";
}

std::vector<std::string> known_kinds() {
  std::vector<std::string> out{std::string(detect::kCostSpike), std::string(detect::kLevelShift), std::string(detect::kDrift),
                               std::string(detect::kRunawayGrowth), std::string(detect::kCostDrop),
                               std::string(detect::kCostFlatline)};
  for (const auto& k : detect::rule_kind_names()) out.push_back(k);
  out.emplace_back(detect::kBudgetActual);
  out.emplace_back(detect::kBudgetForecast);
  return out;
}

std::vector<std::string> kind_choices() {
  std::vector<std::string> out{"*", "cost_anomaly", "waste", "budget"};
  for (auto& k : known_kinds()) out.push_back(std::move(k));
  return out;
}

bool kind_selected(const std::vector<std::string>& selectors, std::string_view kind) {
  if (selectors.empty()) return true;
  const auto group = kind_group(kind);
  return std::any_of(selectors.begin(), selectors.end(), [&](const std::string& s) {
    return s == group || text::glob_match(s, kind);
  });
}

std::string kind_label(std::string_view kind) {
  if (kind == detect::kCostSpike) return "Cost spike";
  if (kind == detect::kLevelShift) return "Cost level shift";
  if (kind == detect::kDrift) return "Cost drift";
  if (kind == detect::kRunawayGrowth) return "Runaway cost growth";
  if (kind == detect::kCostDrop) return "Cost drop";
  if (kind == detect::kCostFlatline) return "Cost gone flat (idle?)";
  if (kind == detect::kIdleCompute) return "Idle compute";
  if (kind == detect::kUnattachedStorage) return "Unattached storage";
  if (kind == detect::kOversizedInstance) return "Oversized instance";
  if (kind == detect::kUnusedCommitment) return "Unused commitment";
  if (kind == detect::kUntaggedSpend) return "Untagged spend";
  if (kind == detect::kOffHoursNonprod) return "Non-production running off hours";
  if (kind == detect::kIdleResource) return "Idle resource (billed, nothing consumed)";
  if (kind == detect::kBudgetActual) return "Budget threshold crossed";
  if (kind == detect::kBudgetForecast) return "Budget forecast to be crossed";
  std::string words = text::replace_all(std::string(kind), "_", " ");
  if (!words.empty()) words[0] = static_cast<char>(words[0] - (words[0] >= 'a' && words[0] <= 'z' ? 32 : 0));
  return words;
}

}  // namespace costbot::alerts
