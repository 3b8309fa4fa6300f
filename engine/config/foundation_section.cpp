#include <set>

#include "engine/config/sections.hpp"

namespace costbot::config {
namespace {

void read_attribution_rule(Reader& r, AttributionRule& rule) {
  r.string("tag", rule.tag);
  r.string("account", rule.account);
  r.string("provider", rule.provider);
  r.string("name_pattern", rule.name_pattern);
  r.string("service", rule.service);
  r.string("team", rule.team);
  r.string_map("map", rule.map);
  int selectors = !rule.tag.empty() + !rule.account.empty() + !rule.name_pattern.empty() + !rule.service.empty();
  if (selectors == 0 && rule.team.empty())
    r.issues().add(r.path(), "a rule needs one of tag, account, name_pattern, service (or just team as the default)");
  if (rule.tag.empty() && rule.team.empty())
    r.issues().add(r.path_of("team"), "missing required key (only a tag rule may omit team)");
}

void read_team(Reader& r, TeamConfig& team) {
  r.string("name", team.name, true);
  r.strings("aliases", team.aliases);
  auto budget = r.section("budget");
  budget.number("monthly", team.budget.monthly);
  if (team.budget.monthly < 0) budget.error("monthly", "must not be negative");
  if (budget.numbers("thresholds", team.budget.thresholds)) {
    for (double t : team.budget.thresholds)
      if (t <= 0 || t > 10) budget.error("thresholds", "expected fractions of the budget such as 0.8 or 1.0");
  }
  budget.finish();
  r.string_lists("roles", team.roles);
  r.string("slack_channel", team.slack_channel);
  r.string("teams_conversation", team.teams_conversation);
}

}  // namespace

void read_foundation_sections(Reader& root, Config& config) {
  {
    auto db = root.section("database");
    db.string("path", config.database.path);
    db.finish();
  }
  {
    auto logging = root.section("logging");
    logging.choice("level", config.logging.level, {"trace", "debug", "info", "warn", "error"});
    logging.choice("format", config.logging.format, {"text", "json"});
    logging.finish();
  }
  {
    auto currency = root.section("currency");
    currency.string("base", config.currency.base);
    currency.number_map("rates", config.currency.rates);
    for (const auto& [code, rate] : config.currency.rates)
      if (rate <= 0) currency.issues().add(currency.path_of("rates") + "." + code, "a rate must be positive");
    currency.finish();
  }
  {
    auto tags = root.section("tags");
    tags.string_lists("aliases", config.tags.aliases);
    tags.finish();
  }
  root.list("attribution", [&](Reader& r) { read_attribution_rule(r, config.attribution.emplace_back()); });
  std::set<std::string> team_names;
  root.list("teams", [&](Reader& r) {
    auto& team = config.teams.emplace_back();
    read_team(r, team);
    if (!team.name.empty() && !team_names.insert(team.name).second)
      r.error("name", "duplicate team name \"" + team.name + "\"");
  });
}

}  // namespace costbot::config
