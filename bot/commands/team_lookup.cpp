#include "bot/commands/team_lookup.hpp"

#include "engine/util/strings.hpp"

namespace costbot::commands {

TeamLookup lookup_team(const std::vector<config::TeamConfig>& teams, query::CostQuery& costs, const std::string& typed) {
  TeamLookup out;
  for (const auto& team : teams) {
    if (text::iequals(team.name, typed)) out.configured = &team;
    for (const auto& alias : team.aliases)
      if (text::iequals(alias, typed)) out.configured = &team;
    if (out.configured) break;
  }
  if (out.configured) {
    out.name = out.configured->name;
    return out;
  }
  std::vector<std::string> known;
  for (const auto& team : teams) known.push_back(team.name);
  for (const auto& t : costs.distinct(query::Dimension::team)) {
    if (t.empty()) continue;
    if (text::iequals(t, typed)) out.name = t;
    bool listed = false;
    for (const auto& k : known) listed = listed || text::iequals(k, t);
    if (!listed) known.push_back(t);
  }
  if (out.found()) return out;
  std::vector<std::string> lowered;
  for (const auto& k : known) lowered.push_back(text::to_lower(k));
  auto guess = text::closest(text::to_lower(typed), lowered);
  out.error = "I know no team \"" + typed + "\"." + (guess ? " Did you mean `" + *guess + "`?" : "") +
              (known.empty() ? "" : " Teams: " + text::join(known, ", ") + ".");
  return out;
}

}  // namespace costbot::commands
