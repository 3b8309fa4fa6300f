#pragma once
// Waste rules as data. A rule in config names a kind; the kind (registered here, one file each:
// rules_*.cpp) knows its thresholds and options with defaults and ranges, validates the rule at
// config load (naming the valid choices on error), and evaluates it against the store. A new rule
// of an existing kind needs config only.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/config/config.hpp"
#include "engine/detect/finding.hpp"
#include "engine/storage/database.hpp"

namespace costbot::config {
class Reader;
}

namespace costbot::detect {

struct ThresholdSpec {
  std::string key;
  double default_value;
  double min, max;
  std::string help;
};

struct OptionSpec {
  std::string key;
  std::vector<std::string> default_value;
  std::vector<std::string> allowed;  // empty = any value
  std::string help;
};

struct RuleContext {
  storage::Database& db;
  const config::Config& config;
  Day as_of;  // the evaluation day (the latest day with data)
  // Effective thresholds (config, then feedback retuning); evaluate() reads these, not the rule's.
  std::map<std::string, double> thresholds;
  double min_daily_impact = 0;  // from "below my noise floor" feedback; 0 = none
};

using EvaluateFn = std::function<std::vector<Finding>(const config::RuleConfig&, const RuleContext&)>;

struct RuleKind {
  std::string name;          // the `kind` in config, and the kind of its findings
  std::string summary;
  // What it reads: "usage metric <name>", "billing: ..." (cost_daily columns), or both in the
  // order tried. Shown by `costbot rules`.
  std::string signals;
  std::vector<ThresholdSpec> thresholds;
  std::vector<OptionSpec> options;
  std::string default_remediation;
  // Feedback "not waste" makes this threshold stricter: divided by the retune factor when
  // `lower_is_stricter`, else multiplied.
  std::string retune_threshold;
  bool lower_is_stricter = true;
  EvaluateFn evaluate;
};

const std::vector<RuleKind>& rule_kinds();
const RuleKind* find_rule_kind(std::string_view name);
std::vector<std::string> rule_kind_names();

// Validates and fills one rule from config (defaults for absent thresholds/options).
void read_rule_config(config::Reader& r, config::RuleConfig& rule);

// Fields a rule scope may filter on (globs), plus "tag:KEY".
const std::vector<std::string>& rule_scope_fields();

// The kinds, one file each.
RuleKind idle_compute_kind();
RuleKind unattached_storage_kind();
RuleKind oversized_instance_kind();
RuleKind unused_commitment_kind();
RuleKind untagged_spend_kind();
RuleKind off_hours_nonprod_kind();
RuleKind idle_resource_kind();

}  // namespace costbot::detect
