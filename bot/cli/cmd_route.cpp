// `costbot route --finding ID`: who gets a finding, where, and why — and who does not, and why not.
// The same decisions the alerts job delivers on (engine/alerts/routing.hpp).
#include <fmt/format.h>

#include <iostream>

#include "bot/cli/cli.hpp"
#include "bot/cli/output.hpp"
#include "engine/alerts/facts.hpp"
#include "engine/alerts/routing.hpp"
#include "engine/alerts/subject_view.hpp"
#include "engine/util/error.hpp"
#include "engine/util/format.hpp"

namespace costbot::cli {
namespace {

void print_route(Context& ctx, const std::string& reference, const std::string& at, const std::string& format) {
  auto& db = ctx.database();
  const auto& config = ctx.config();
  UnixSeconds now = default_clock().now();
  if (!at.empty()) {
    auto t = parse_instant(at);
    if (!t) throw invalid_input("--at: expected an instant like 2024-09-18T22:30:00Z, got \"" + at + "\"");
    now = *t;
  }
  auto ref = alerts::load_finding(db, reference);
  const auto& f = ref.finding;
  auto decisions = alerts::route(db, config, f, ref.incident, now);
  const std::string severity = alerts::effective_severity(f, ref.incident);
  if (format == "json") {
    boost::json::array list;
    for (const auto& d : decisions) list.push_back(alerts::to_json(d));
    print_json(std::cout, boost::json::object{{"finding", f.id},
                                              {"incident", f.incident_id ? boost::json::value(f.incident_id) : nullptr},
                                              {"subject", alerts::subject_of(f)},
                                              {"kind", f.kind},
                                              {"severity", severity},
                                              {"team", f.team},
                                              {"at", format_instant(now)},
                                              {"personas", list}});
    return;
  }
  const auto& currency = config.currency.base;
  std::cout << fmt::format("F{}{} \xC2\xB7 {} \xC2\xB7 {} \xC2\xB7 {} \xC2\xB7 {}/day\n  {}\n  routed as of {}\n\n", f.id,
                           f.incident_id ? " (incident I" + std::to_string(f.incident_id) + ")" : std::string(), f.kind, severity,
                           f.team.empty() ? std::string("unallocated") : "team " + f.team,
                           fmtx::money(f.impact_per_day, 0, currency), f.title, format_instant(now));
  int receiving = 0;
  for (const auto& d : decisions) {
    const bool gets = d.mode == alerts::RouteMode::real_time || d.mode == alerts::RouteMode::held;
    receiving += gets && !d.targets.empty();
    std::cout << d.persona << ": " << d.verdict << "\n";
    for (const auto& r : d.reasons) std::cout << "    - " << r << "\n";
    for (const auto& t : d.targets) std::cout << "    -> " << t.text() << "  (" << t.via << ")\n";
    for (const auto& s : d.skipped) std::cout << "    x  " << s.target.text() << "  (" << s.target.via << "): " << s.reason << "\n";
  }
  std::cout << "\n" << receiving << " of " << decisions.size() << " persona(s) receive it"
            << " (one message per place: when two personas share a channel, the first in config order writes it)\n";
}

}  // namespace

void add_route_command(CLI::App& app, Context& ctx) {
  struct Options {
    std::string finding, at, format = "text";
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("route", "Who gets a finding's alert, where and why (and who does not, and why not)");
  cmd->add_option("--finding", o->finding, "Finding id (12 or F12) or incident id (I7)")->required();
  cmd->add_option("--at", o->at, "Decide as of this instant (quiet hours), e.g. 2024-09-18T22:30:00Z (default: now)");
  cmd->add_option("--format", o->format, "text or json")->check(CLI::IsMember({"text", "json"}));
  cmd->callback([&ctx, o] { print_route(ctx, o->finding, o->at, o->format); });
}

}  // namespace costbot::cli
