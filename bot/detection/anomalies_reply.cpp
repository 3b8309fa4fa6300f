// `anomalies [open|all] [TEAM]`: the incidents (one per scope and kind) with their dollars.
#include <algorithm>

#include "bot/commands/team_lookup.hpp"
#include "bot/detection/detection_replies.hpp"
#include "engine/detect/at_stake.hpp"
#include "engine/detect/finding_store.hpp"
#include "engine/util/format.hpp"

namespace costbot::detection_chat {
namespace {

int severity_rank(const std::string& severity) {
  auto s = detect::parse_severity(severity);
  return s ? static_cast<int>(*s) : 0;
}

std::string shortened(const std::string& text, std::size_t limit) {
  if (text.size() <= limit) return text;
  std::size_t cut = limit - 1;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 character
  return text.substr(0, cut) + "…";
}

std::string days_seen(const detect::Incident& i) {
  if (i.first_day == i.last_day) return fmtx::day_short(i.first_day);
  return fmtx::day_short(i.first_day) + "–" + fmtx::day_short(i.last_day);
}

}  // namespace

chat::Reply anomalies_reply(const ReplyContext& ctx, const commands::Anomalies& command) {
  const std::string& currency = ctx.config.currency.base;
  std::string team;
  if (!command.team.empty()) {
    query::CostQuery costs(ctx.db);
    auto found = commands::lookup_team(ctx.config.teams, costs, command.team);
    if (!found.found()) {
      chat::Reply r;
      r.text(found.error);
      r.fallback = found.error;
      return r;
    }
    team = found.name;
  }
  detect::FindingQuery query;
  query.open_only = !command.all;
  query.team = team;
  auto incidents = detect::FindingStore(ctx.db).incidents(query);
  // Open before closed, then the most severe, then the most money: what to look at first.
  std::stable_sort(incidents.begin(), incidents.end(), [](const detect::Incident& a, const detect::Incident& b) {
    if ((a.status == "open") != (b.status == "open")) return a.status == "open";
    if (severity_rank(a.severity) != severity_rank(b.severity)) return severity_rank(a.severity) > severity_rank(b.severity);
    return a.peak_impact_per_day > b.peak_impact_per_day;
  });

  chat::Reply r;
  r.visibility = chat::Visibility::in_channel;
  const std::string for_team = team.empty() ? "" : " for team " + team;
  r.title = std::string(command.all ? "Anomalies and waste, open and closed" : "Open anomalies and waste") +
            (team.empty() ? "" : " · " + team);
  if (incidents.empty()) {
    r.text(command.all ? "Nothing has been detected" + for_team + "."
                       : "Nothing is open" + for_team + ". `" + ctx.command_prefix + " anomalies all" +
                             (team.empty() ? "" : " " + team) + "` shows closed ones too.");
    r.fallback = r.title + ": none";
    return r;
  }

  int open = 0;
  int by_severity[4] = {0, 0, 0, 0};
  for (const auto& i : incidents) {
    if (i.status != "open") continue;
    ++open;
    ++by_severity[severity_rank(i.severity)];
  }
  detect::FindingStore store(ctx.db);
  const double at_stake = detect::at_stake_per_day(store, ctx.config.detection.correlation, incidents);
  std::vector<chat::Field> fields{{"Open", std::to_string(open)}};
  if (command.all) fields.push_back({"Closed", std::to_string(incidents.size() - static_cast<std::size_t>(open))});
  if (open > 0) {
    fields.push_back({"At stake (open anomalies and waste, at peak, each dollar once)", fmtx::money(at_stake, 0, currency) + "/day · " +
                                                      fmtx::money(at_stake * 30.4, 0, currency) + "/month"});
    std::string severities;
    for (int s = 3; s >= 0; --s) {
      if (by_severity[s] == 0) continue;
      if (!severities.empty()) severities += ", ";
      severities += std::to_string(by_severity[s]) + " " + std::string(detect::to_string(static_cast<detect::Severity>(s)));
    }
    fields.push_back({"Severity", severities});
  }
  r.fields(std::move(fields));

  chat::TableBlock t;
  t.columns = {"finding", "what", "severity", "impact/day", "seen"};
  t.right_aligned = {false, false, false, true, false};
  if (command.all) {
    t.columns.push_back("status");
    t.right_aligned.push_back(false);
  }
  for (std::size_t n = 0; n < incidents.size() && n < kMaxRows; ++n) {
    const auto& i = incidents[n];
    std::vector<std::string> row{"F" + std::to_string(i.latest_finding_id), shortened(i.title, 64), i.severity,
                                 fmtx::money(i.peak_impact_per_day, 0, currency), days_seen(i)};
    if (command.all) row.push_back(i.status);
    t.rows.push_back(std::move(row));
  }
  r.table(std::move(t));
  std::string context;
  if (incidents.size() > kMaxRows)
    context = std::to_string(incidents.size() - kMaxRows) + " more not shown (`costbot findings" +
              (command.all ? "" : " --open") + (team.empty() ? "" : " --team " + team) + "` lists all) · ";
  context += "`" + ctx.command_prefix + " request ticket ID` opens a ticket for a finding";
  r.context(context);
  r.fallback = r.title + ": " + std::to_string(open) + " open" +
               (open > 0 ? ", " + fmtx::money(at_stake, 0, currency) + "/day at stake" : std::string());
  return r;
}

}  // namespace costbot::detection_chat
