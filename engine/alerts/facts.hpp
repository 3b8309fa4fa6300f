#pragma once
// One set of facts per finding: what every persona's message, on every channel, is written from.
// The engine computes it once (scope, expected vs actual with the normal range, dollar impact per
// day and per month, percent change, likely cause with the top contributors, budget status and
// forecast, allocation across teams, detector confidence, recommendations, links, chart URL);
// templates only choose and arrange. Numbers are formatted for people here ($12,340/day, +320%,
// Sep 18), so every template says them the same way.
//
// Empty values are left out of the JSON, so a template's {{#key}}...{{/key}} skips them.
#include <boost/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "engine/config/config.hpp"
#include "engine/detect/finding.hpp"
#include "engine/storage/database.hpp"

namespace costbot::alerts {

struct Recommendation {
  std::string text;
  // A command the reader runs where the fix happens (a cloud CLI: aws, az, gcloud), with ids as
  // that CLI wants them. Never a costbot server command: readers of a chat message cannot run those.
  std::string command;
  // Where costbot shows the numbers behind it: the web page's spend view, filtered.
  std::string link_url, link_label;
};

// Every finding kind gets at least one actionable recommendation: the finding's own remediation
// (from the rule or the detector), then what else helps for its kind. `base_url` is the service's
// public URL (links).
std::vector<Recommendation> recommendations_for(const detect::Finding& f, const std::string& base_url);
// The web page's spend view for a filter ("by=resource&period=2024-09-18..2024-09-18&where=team=payments").
std::string spend_view_url(const std::string& base_url, const std::string& by, const std::string& period,
                           const std::string& where);

// "incident:7" for a finding in an incident, else "finding:12": what messages are about.
std::string subject_of(const detect::Finding& f);
// "{public_url}/charts/{finding_id}.png" for cost anomalies and budgets (other kinds have no chart): "".
// People open it signed in; Slack and Teams fetch `chart_image_url` (the same, signed: link_signing.hpp).
std::string chart_url(const config::Config& config, const detect::Finding& f);
// "/charts/{finding_id}.png": the path a chart link signs.
std::string chart_path(const detect::Finding& f);

// The facts of `f` (and of its incident, when it has one) as of `now`.
boost::json::object finding_facts(storage::Database& db, const config::Config& config, const detect::Finding& f,
                                  const std::optional<detect::Incident>& incident);

// Loads the finding (and its incident) by reference: "12", "F12", or "I7" (the incident's latest
// finding). Throws Error(not_found) / Error(invalid_input).
struct FindingRef {
  detect::Finding finding;
  std::optional<detect::Incident> incident;
};
FindingRef load_finding(storage::Database& db, const std::string& reference);

}  // namespace costbot::alerts
