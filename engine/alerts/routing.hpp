#pragma once
// Who gets a finding, where, and why — and who does not, and why not. Every check a persona makes
// (enabled, finding status, kinds, minimum severity, scope, frequency, quiet hours in its time
// zone) is recorded in words, so `costbot route --finding ID` can print the whole reasoning and
// delivery runs on exactly the same decisions.
#include <boost/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "engine/alerts/subscriptions.hpp"
#include "engine/config/config.hpp"
#include "engine/detect/finding.hpp"
#include "engine/storage/database.hpp"
#include "engine/util/time.hpp"

namespace costbot::alerts {

// One place a message goes.
struct Target {
  std::string channel_kind;  // slack, teams, web, email, pagerduty
  std::string address;       // Slack channel or user id, Teams conversation id, feed name, email address, "events"
  std::string via;           // why it is a target: "deliver.slack", "deliver.slack: team (payments)", "subscribed (slack U0ALICE)"
  std::string text() const;  // "slack #payments-costs"
  bool operator==(const Target& o) const { return channel_kind == o.channel_kind && address == o.address; }
};

struct SkippedTarget {
  Target target;
  std::string reason;
};

enum class RouteMode {
  none,       // not for this persona
  real_time,  // deliver now
  held,       // real time, but quiet hours: delivered when they end
  digest,     // only in the persona's digest
};
std::string_view to_string(RouteMode m);

struct RouteDecision {
  std::string persona;
  RouteMode mode = RouteMode::none;
  std::vector<std::string> reasons;  // every check, in order, in words (the first failing one last)
  std::string verdict;               // one line: "gets it now", "does not get it: severity low is below high"
  std::vector<Target> targets;       // where it goes (real_time and held)
  std::vector<SkippedTarget> skipped;
  std::optional<UnixSeconds> held_until;
};

// Where a persona's messages about a finding of `team` go (deliver.* plus chat subscribers), and
// the targets left out with why (no Slack token, no email server, no team channel, ...).
// `severity` decides PagerDuty (pagerduty.min_severity). For digests pass team "" and severity "".
void persona_targets(storage::Database& db, const config::Config& config, const config::PersonaConfig& persona,
                     const std::string& team, const std::string& severity, std::vector<Target>& targets,
                     std::vector<SkippedTarget>& skipped);

// The decision of every configured persona (disabled ones too, saying so), in config order.
// `severity`, `kind`, `team` and `open` describe the finding as delivered: an incident's latest
// finding with the incident's highest severity.
std::vector<RouteDecision> route(storage::Database& db, const config::Config& config, const detect::Finding& finding,
                                 const std::optional<detect::Incident>& incident, UnixSeconds now);
RouteDecision route_for(storage::Database& db, const config::Config& config, const config::PersonaConfig& persona,
                        const detect::Finding& finding, const std::optional<detect::Incident>& incident, UnixSeconds now);

// a >= b for finding severities (low < medium < high < critical).
bool severity_at_least(const std::string& a, const std::string& b);
// The severity a finding is delivered with: its incident's highest, else its own.
std::string effective_severity(const detect::Finding& f, const std::optional<detect::Incident>& incident);

boost::json::object to_json(const RouteDecision& d);

}  // namespace costbot::alerts
