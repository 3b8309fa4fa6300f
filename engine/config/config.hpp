#pragma once
// The whole configuration, as typed values. Loaded from YAML by load(); every problem is reported
// with its key path. Each section is parsed by its own function (config/*_section.cpp).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/config/reader.hpp"
#include "engine/config/secret.hpp"

namespace costbot::config {

struct DatabaseConfig {
  std::string path = "costbot.db";
};

struct LoggingConfig {
  std::string level = "info";   // trace, debug, info, warn, error
  std::string format = "text";  // text, json
};

struct CurrencyConfig {
  std::string base = "USD";
  // 1 unit of the key currency = rate units of `base` (e.g. EUR: 1.08 when base is USD).
  std::map<std::string, double> rates;
};

struct TagConfig {
  // canonical key → aliases seen in provider tags; matched case-insensitively after case folding.
  std::map<std::string, std::vector<std::string>> aliases;
};

// One rule of the ordered team attribution list; the first rule that matches a record decides.
struct AttributionRule {
  std::string tag;           // take the team from this (canonical) tag's value
  std::string account;       // or: records of this sub-account id (or glob) ...
  std::string provider;      // ... (optionally of this provider) ...
  std::string name_pattern;  // or: resources whose id or name matches this glob ...
  std::string service;       // or: this service name (glob) ...
  std::string team;          // ... belong to this team
  std::map<std::string, std::string> map;  // optional tag value → team name rewrite for `tag`
};

struct BudgetConfig {
  double monthly = 0;                        // in the base currency; 0 = no budget
  std::vector<double> thresholds{0.8, 1.0};  // fractions of the budget that alert
};

struct TeamConfig {
  std::string name;
  std::vector<std::string> aliases;  // other spellings of the team that tags use
  BudgetConfig budget;
  // Role → chat user ids (e.g. team_lead: [U123], manager: [U456], director: [U789]).
  std::map<std::string, std::vector<std::string>> roles;
  std::string slack_channel;
  std::string teams_conversation;
};

struct IngestSource {
  std::string name;
  std::string type;                // focus, cur, azure, gcp, usage
  std::vector<std::string> paths;  // files or globs
};

struct IngestConfig {
  std::vector<IngestSource> sources;
  std::int64_t batch_rows = 50000;  // rows aggregated in memory before they are written
};

// ---- detection (engine/config/detection_section.cpp) ----

// Impact per day (base currency) at which a finding becomes critical / high / medium; below
// medium it is low (informational).
struct SeverityThresholds {
  double critical = 1000;
  double high = 500;
  double medium = 100;
};

struct AnomalyConfig {
  std::vector<std::string> scopes{"team", "service", "account", "provider"};
  int history_days = 120;             // days of history read per series
  int report_days = 14;               // findings are written for days this close to the latest data
  double threshold = 4.0;             // robust z at which a day is anomalous (score 0.5)
  double min_daily_impact = 50;       // |actual - expected| per day below this never alerts
  double min_relative_change = 0.2;   // nor a change smaller than this fraction of expected
  bool alert_on_decrease = false;     // drops in cost are findings too
  int season_weeks = 5;               // weeks per weekday in the seasonal median
  double level_alpha = 0.15;          // how fast the level follows the series (per day)
  int shift_days = 3;                 // consecutive anomalous days that make a level shift
  int resolve_after_days = 2;         // normal days in a row that resolve an incident
  double drift_min_change = 0.25;     // weekly cost up this much over drift_weeks = drift
  int drift_weeks = 4;
  double runaway_weekly_growth = 0.1; // every week up this much for runaway_weeks = runaway growth
  int runaway_weeks = 3;
  int recurrence_months = 3;          // month-end / month-start bumps seen in this many past months ...
  int recurrence_min_matches = 2;     // ... at least this often are a pattern, not an anomaly
};

struct Holiday {
  std::string date;  // YYYY-MM-DD
  std::string name;
};

// A scope: dimension -> value (exact), e.g. {team: payments}; empty = everything.
using ScopeMap = std::map<std::string, std::string>;

struct PlannedEventConfig {
  std::string name;
  std::string from;  // YYYY-MM-DD, inclusive
  std::string to;    // YYYY-MM-DD, inclusive
  ScopeMap scope;
};

// A waste rule: data, interpreted by the kind registered under `kind` (engine/detect/rules.hpp).
struct RuleConfig {
  std::string id;
  std::string kind;
  std::string description;
  std::string severity = "medium";  // critical, high, medium, low: the least it is reported as
  bool enabled = true;
  std::map<std::string, std::string> scope;  // field -> glob (provider, account, service, team, ...)
  std::map<std::string, double> thresholds;  // every threshold of the kind (defaults filled in)
  std::map<std::string, std::vector<std::string>> options;  // every option of the kind
  std::string remediation;          // text; {resource}, {name}, {account}, {region}, ... are filled in
  std::string command;              // optional command that applies the fix
};

struct ScopeBudgetConfig {
  std::string name;
  ScopeMap scope;
  BudgetConfig budget;
};

struct FeedbackConfig {
  int suppress_days = 14;          // "not an anomaly" silences the scope/kind this long
  double retune_factor = 1.25;     // ... and makes its threshold this much stricter
  double noise_floor_margin = 1.1; // "below my noise floor" sets min impact to impact x this
};

struct DetectionConfig {
  SeverityThresholds severity;
  std::map<std::string, SeverityThresholds> team_severity;  // per-team overrides
  AnomalyConfig anomaly;
  std::vector<Holiday> holidays;
  std::vector<PlannedEventConfig> planned_events;
  std::vector<RuleConfig> rules;
  std::vector<ScopeBudgetConfig> budgets;
  FeedbackConfig feedback;

  const SeverityThresholds& severity_for(const std::string& team) const;
};

struct Config {
  std::string source_path;  // the file this was loaded from
  DatabaseConfig database;
  LoggingConfig logging;
  CurrencyConfig currency;
  TagConfig tags;
  std::vector<AttributionRule> attribution;
  std::vector<TeamConfig> teams;
  IngestConfig ingest;
  DetectionConfig detection;

  const TeamConfig* find_team(const std::string& name) const;
};

// Parses and validates. On any issue, throws costbot::Error(invalid_input) listing all of them.
Config load(const std::string& path);
// Parses and validates; returns every issue found (empty = valid). Never throws for bad content.
Issues check(const std::string& path, Config* out = nullptr);
Issues check_text(const std::string& yaml_text, Config* out = nullptr);

// Section parsers (one file each).
void read_foundation_sections(Reader& root, Config& config);
void read_ingest_section(Reader& root, Config& config);
void read_detection_section(Reader& root, Config& config);

}  // namespace costbot::config
