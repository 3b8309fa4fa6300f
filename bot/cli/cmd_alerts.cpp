// `costbot personas`: who receives what (kinds, severity, frequency, scope, targets, quiet hours).
// `costbot alerts`: the alert messages sent, and the delivery steps the scheduler runs
// (`alerts deliver`, `alerts escalate`, `alerts digest daily|weekly`), run once now.
#include <fmt/format.h>

#include <iostream>

#include "bot/cli/cli.hpp"
#include "bot/cli/output.hpp"
#include "engine/alerts/alert_store.hpp"
#include "engine/alerts/delivery.hpp"
#include "engine/alerts/digest.hpp"
#include "engine/alerts/escalation.hpp"
#include "engine/alerts/routing.hpp"
#include "engine/util/strings.hpp"

namespace costbot::cli {
namespace {
namespace json = boost::json;

void print_personas(Context& ctx, const std::string& format) {
  const auto& config = ctx.config();
  auto& db = ctx.database();
  json::array list;
  Table t;
  t.headers = {"persona", "state", "kinds", "min severity", "frequency", "digests", "scope", "delivers to", "quiet hours"};
  for (const auto& p : config.personas.list) {
    std::vector<alerts::Target> targets;
    std::vector<alerts::SkippedTarget> skipped;
    alerts::persona_targets(db, config, p, "", "critical", targets, skipped);
    std::vector<std::string> where;
    for (const auto& target : targets) where.push_back(target.text());
    for (const auto& s : skipped) where.push_back(s.target.text() + " (off: " + s.reason + ")");
    std::vector<std::string> digests;
    if (p.wants_digest("daily")) digests.push_back("daily");
    if (p.wants_digest("weekly")) digests.push_back("weekly");
    const std::string kinds = p.kinds.empty() ? "all" : text::join(p.kinds, ", ");
    const std::string scope = p.teams.empty() ? "all" : text::join(p.teams, ", ");
    t.rows.push_back({p.name, p.enabled ? (p.builtin ? "built in" : "config") : "disabled", kinds, p.min_severity, p.frequency,
                      digests.empty() ? "-" : text::join(digests, ", "), scope, text::join(where, "; "), p.quiet_hours.text()});
    json::array where_json, digests_json, kinds_json;
    for (const auto& w : where) where_json.push_back(json::value(w));
    for (const auto& d : digests) digests_json.push_back(json::value(d));
    for (const auto& k : p.kinds) kinds_json.push_back(json::value(k));
    list.push_back({{"name", p.name},
                    {"description", p.description},
                    {"enabled", p.enabled},
                    {"builtin", p.builtin},
                    {"templates", p.templates},
                    {"kinds", kinds_json},
                    {"min_severity", p.min_severity},
                    {"frequency", p.frequency},
                    {"digests", digests_json},
                    {"scope", scope},
                    {"targets", where_json},
                    {"quiet_hours", p.quiet_hours.text()}});
  }
  if (format == "json") return print_json(std::cout, list);
  print_table(std::cout, t);
}

void print_alerts(Context& ctx, std::size_t limit, const std::string& format) {
  auto& db = ctx.database();
  auto messages = alerts::recent_messages(db, limit);
  json::array list;
  Table t;
  t.headers = {"message", "persona", "channel", "target", "about", "event", "version", "items", "sent (UTC)", "updated (UTC)"};
  t.right_aligned = {true, false, false, false, false, false, true, true, false, false};
  for (const auto& m : messages) {
    auto items = alerts::items_of_message(db, m.id);
    t.rows.push_back({std::to_string(m.id), m.persona, m.channel_kind, m.target, m.subject, m.event, std::to_string(m.version),
                      std::to_string(items.size()), format_instant(m.created_at), format_instant(m.updated_at)});
    json::array subjects;
    for (const auto& i : items) subjects.push_back(json::value(i.subject));
    list.push_back({{"id", m.id},
                    {"persona", m.persona},
                    {"channel", m.channel_kind},
                    {"target", m.target},
                    {"subject", m.subject},
                    {"event", m.event},
                    {"version", m.version},
                    {"items", subjects},
                    {"created_at", format_instant(m.created_at)},
                    {"updated_at", format_instant(m.updated_at)}});
  }
  if (format == "json") return print_json(std::cout, list);
  print_table(std::cout, t);
  if (messages.empty()) std::cout << "(no alerts sent yet: `costbot alerts deliver` or `costbot jobs run alerts`)\n";
}

}  // namespace

void add_personas_command(CLI::App& app, Context& ctx) {
  auto format = std::make_shared<std::string>("table");
  auto* cmd = app.add_subcommand("personas", "Personas: which alerts each gets, where, how often, and when not");
  cmd->add_option("--format", *format, "table or json")->check(CLI::IsMember({"table", "json"}));
  cmd->callback([&ctx, format] { print_personas(ctx, *format); });
}

void add_alerts_command(CLI::App& app, Context& ctx) {
  struct Options {
    std::size_t limit = 50;
    std::string format = "table", period, persona;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("alerts", "Persona alert messages sent; deliver, escalate or send digests now");
  cmd->add_option("--limit", o->limit, "How many messages to list (newest first)")->check(CLI::Range(1, 100000));
  cmd->add_option("--format", o->format, "table or json")->check(CLI::IsMember({"table", "json"}));
  cmd->require_subcommand(0, 1);
  auto templates = [] { return render::Templates(Context::project_path("templates")); };

  auto* deliver = cmd->add_subcommand("deliver", "Route, render and queue new and changed alerts now (the alerts job)");
  deliver->callback([&ctx, templates] {
    auto t = templates();
    auto report = alerts::AlertDelivery(ctx.database(), ctx.config(), t, default_clock().now()).run();
    for (const auto& line : report.lines) std::cout << line << "\n";
    std::cout << report.summary() << "\n";
  });
  auto* escalate = cmd->add_subcommand("escalate", "Escalate unacknowledged critical alerts now (the alert_escalation job)");
  escalate->callback([&ctx, templates] {
    auto t = templates();
    auto report = alerts::run_escalation(ctx.database(), ctx.config(), t, default_clock().now());
    for (const auto& line : report.lines) std::cout << line << "\n";
    std::cout << report.steps << " escalation step(s), " << report.notices << " message(s)\n";
  });
  auto* digest = cmd->add_subcommand("digest", "Send the daily or weekly digests now (once per persona and day)");
  digest->add_option("period", o->period, "daily or weekly")->required()->check(CLI::IsMember({"daily", "weekly"}));
  digest->add_option("--persona", o->persona, "Only this persona");
  digest->callback([&ctx, o, templates] {
    auto t = templates();
    auto report = alerts::send_digests(ctx.database(), ctx.config(), t, o->period, default_clock().now(), o->persona);
    for (const auto& line : report.lines) std::cout << line << "\n";
    std::cout << report.personas << " digest(s), " << report.messages << " message(s), " << report.skipped
              << " already sent today\n";
  });
  cmd->callback([&ctx, o, deliver, escalate, digest] {
    if (deliver->parsed() || escalate->parsed() || digest->parsed()) return;
    print_alerts(ctx, o->limit, o->format);
  });
}

}  // namespace costbot::cli
