#include "engine/detect/rules.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "engine/config/reader.hpp"
#include "engine/util/strings.hpp"

namespace costbot::detect {

const std::vector<RuleKind>& rule_kinds() {
  static const std::vector<RuleKind> kinds = {idle_compute_kind(),      unattached_storage_kind(),
                                              oversized_instance_kind(), unused_commitment_kind(),
                                              untagged_spend_kind(),     off_hours_nonprod_kind(),
                                              idle_resource_kind()};
  return kinds;
}

const RuleKind* find_rule_kind(std::string_view name) {
  for (const auto& k : rule_kinds())
    if (k.name == name) return &k;
  return nullptr;
}

std::vector<std::string> rule_kind_names() {
  std::vector<std::string> names;
  for (const auto& k : rule_kinds()) names.push_back(k.name);
  return names;
}

const std::vector<std::string>& rule_scope_fields() {
  static const std::vector<std::string> fields = {"provider", "account",     "service",  "region", "team",
                                                  "environment", "resource_type", "resource", "name"};
  return fields;
}

namespace {

std::string spec_keys(const std::vector<ThresholdSpec>& specs) {
  std::vector<std::string> keys;
  for (const auto& s : specs) keys.push_back(s.key);
  return keys.empty() ? "none" : text::join(keys, ", ");
}

std::string option_keys(const std::vector<OptionSpec>& specs) {
  std::vector<std::string> keys;
  for (const auto& s : specs) keys.push_back(s.key);
  return keys.empty() ? "none" : text::join(keys, ", ");
}

}  // namespace

void read_rule_config(config::Reader& r, config::RuleConfig& rule) {
  r.string("id", rule.id, true);
  r.string("description", rule.description);
  r.choice("severity", rule.severity, {"critical", "high", "medium", "low"});
  r.boolean("enabled", rule.enabled);
  r.string("remediation", rule.remediation);
  r.string("command", rule.command);
  const RuleKind* kind = nullptr;
  if (r.choice("kind", rule.kind, rule_kind_names(), true)) kind = find_rule_kind(rule.kind);

  std::map<std::string, std::string> scope;
  if (r.string_map("scope", scope)) {
    for (const auto& [field, pattern] : scope) {
      const auto& valid = rule_scope_fields();
      bool ok = std::find(valid.begin(), valid.end(), field) != valid.end() ||
                (field.rfind("tag:", 0) == 0 && field.size() > 4);
      if (!ok) {
        r.issues().add(r.path_of("scope") + "." + field,
                       "unknown scope field (valid: " + text::join(valid, ", ") + ", or tag:KEY)");
        continue;
      }
      rule.scope[field] = pattern;
    }
  }

  std::map<std::string, double> thresholds;
  r.number_map("thresholds", thresholds);
  std::map<std::string, std::vector<std::string>> options;
  r.string_lists("options", options);
  if (!kind) return;

  for (const auto& spec : kind->thresholds) rule.thresholds[spec.key] = spec.default_value;
  for (const auto& [key, value] : thresholds) {
    // clang 14 cannot capture a structured binding: name it through an init-capture.
    auto spec = std::find_if(kind->thresholds.begin(), kind->thresholds.end(), [&k = key](const auto& s) { return s.key == k; });
    std::string at = r.path_of("thresholds") + "." + key;
    if (spec == kind->thresholds.end()) {
      r.issues().add(at, "unknown threshold for kind " + kind->name + " (valid: " + spec_keys(kind->thresholds) + ")");
      continue;
    }
    if (value < spec->min || value > spec->max) {
      r.issues().add(at, fmt::format("must be between {:g} and {:g} ({})", spec->min, spec->max, spec->help));
      continue;
    }
    rule.thresholds[key] = value;
  }
  for (const auto& spec : kind->options) rule.options[spec.key] = spec.default_value;
  for (const auto& [key, values] : options) {
    auto spec = std::find_if(kind->options.begin(), kind->options.end(), [&k = key](const auto& s) { return s.key == k; });
    std::string at = r.path_of("options") + "." + key;
    if (spec == kind->options.end()) {
      r.issues().add(at, "unknown option for kind " + kind->name + " (valid: " + option_keys(kind->options) + ")");
      continue;
    }
    bool ok = true;
    for (const auto& v : values) {
      if (!spec->allowed.empty() && std::find(spec->allowed.begin(), spec->allowed.end(), v) == spec->allowed.end()) {
        r.issues().add(at, "unknown value \"" + v + "\" (valid: " + text::join(spec->allowed, ", ") + ")");
        ok = false;
      }
    }
    if (ok) rule.options[key] = values;
  }
  if (rule.remediation.empty()) rule.remediation = kind->default_remediation;
}

}  // namespace costbot::detect
