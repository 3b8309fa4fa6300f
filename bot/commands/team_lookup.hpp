#pragma once
// The team a person typed in a command ("pay-team", "Payments"): a configured team by name or
// alias in any case, else a team as it appears in the cost data. One place for every command that
// takes a TEAM (team, anomalies, budget, forecast), so they all accept and reject the same names.
#include <string>
#include <vector>

#include "engine/config/config.hpp"
#include "engine/query/costs.hpp"

namespace costbot::commands {

struct TeamLookup {
  std::string name;                             // canonical; empty when not found
  const config::TeamConfig* configured = nullptr;
  std::string error;                            // "I know no team ... Did you mean ...?" when not found
  bool found() const { return !name.empty(); }
};

TeamLookup lookup_team(const std::vector<config::TeamConfig>& teams, query::CostQuery& costs, const std::string& typed);

}  // namespace costbot::commands
