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

// Cost-trend chart images (engine/render/chart.hpp).
struct ChartsConfig {
  int width = 800;
  int height = 400;
  std::string highlight = "#e03131";  // anomalous days; "#rrggbb" or "#rgb"
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
  ChartsConfig charts;

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
void read_charts_section(Reader& root, Config& config);

}  // namespace costbot::config
