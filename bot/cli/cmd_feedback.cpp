#include <iostream>

#include "bot/cli/cli.hpp"
#include "bot/cli/output.hpp"
#include "engine/detect/feedback.hpp"
#include "engine/util/error.hpp"
#include "engine/util/strings.hpp"

namespace costbot::cli {

void add_feedback_command(CLI::App& app, Context& ctx) {
  struct Options {
    std::string subject, kind, until, actor, reason, format = "table";
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "feedback",
      "Tell detection it was right or wrong about a finding (F12) or incident (I3): confirmed, not_anomaly, planned "
      "(--until DATE), noise_floor, rejected. Silences and retunes visibly (see `costbot rules`)");
  cmd->add_option("id", o->subject, "Finding (F12 or 12) or incident (I3)")->required();
  cmd->add_option("kind", o->kind, "confirmed | not_anomaly | planned | noise_floor | rejected")->required();
  cmd->add_option("--until", o->until, "planned: the last day of the planned change, YYYY-MM-DD");
  cmd->add_option("--actor", o->actor, "Who says so (default: $USER)");
  cmd->add_option("--reason", o->reason, "Why, in words");
  cmd->add_option("--format", o->format, "table or json")->check(CLI::IsMember({"table", "json"}));
  cmd->callback([&ctx, o] {
    auto kind = detect::parse_feedback_kind(o->kind);
    if (!kind)
      throw invalid_input("kind: unknown feedback \"" + o->kind + "\" (valid: " + text::join(detect::feedback_kind_names(), ", ") + ")");
    std::optional<Day> until;
    if (!o->until.empty()) {
      until = parse_day(o->until);
      if (!until) throw invalid_input("--until: expected a date like 2024-10-01, got \"" + o->until + "\"");
    }
    std::string actor = o->actor;
    if (actor.empty()) actor = std::getenv("USER") ? std::getenv("USER") : "cli";
    auto r = detect::record_feedback(ctx.database(), ctx.config(), o->subject, *kind, actor, o->reason, until,
                                     default_clock().now());
    if (r.already_recorded) {
      std::cout << "F" << r.finding_id << " already has " << o->kind << " feedback (#" << r.feedback_id
                << "); nothing changed\n";
      return;
    }
    if (o->format == "json") {
      print_json(std::cout, boost::json::object{{"feedback_id", r.feedback_id},
                                                {"finding_id", r.finding_id},
                                                {"incident_id", r.incident_id},
                                                {"rule_id", r.rule_id},
                                                {"scope", {{"dimension", r.scope_dimension}, {"value", r.scope_value}}},
                                                {"effect", r.effect},
                                                {"suppressed_until", r.suppressed_until ? boost::json::value(format_day(*r.suppressed_until))
                                                                                        : boost::json::value(nullptr)}});
      return;
    }
    std::cout << "feedback " << r.feedback_id << " on F" << r.finding_id
              << (r.incident_id ? " (incident I" + std::to_string(r.incident_id) + ")" : std::string()) << ": " << r.effect << "\n";
  });
}

void add_rules_command(CLI::App& app, Context& ctx) {
  auto format = std::make_shared<std::string>("table");
  auto* cmd = app.add_subcommand("rules",
                                 "Every detection rule with its thresholds as they are now (after feedback), per-scope "
                                 "overrides and silences, and its precision (confirmed vs dismissed)");
  cmd->add_option("--format", *format, "table or json")->check(CLI::IsMember({"table", "json"}));
  cmd->callback([&ctx, format] {
    auto views = detect::rule_views(ctx.database(), ctx.config(), default_clock().today());
    if (*format == "json") {
      boost::json::array rules;
      for (const auto& v : views) {
        boost::json::object thresholds;
        for (const auto& [k, val] : v.thresholds) thresholds[k] = val;
        boost::json::array overrides;
        for (const auto& s : v.overrides) overrides.push_back(boost::json::value(s));
        double p = v.precision.precision();
        rules.push_back({{"id", v.rule_id},
                         {"kind", v.kind},
                         {"description", v.description},
                         {"signals", v.signals},
                         {"severity", v.severity},
                         {"enabled", v.enabled},
                         {"thresholds", thresholds},
                         {"overrides", overrides},
                         {"confirmed", v.precision.confirmed},
                         {"dismissed", v.precision.dismissed},
                         {"planned", v.precision.planned},
                         {"precision", p < 0 ? boost::json::value(nullptr) : boost::json::value(p)}});
      }
      print_json(std::cout, boost::json::object{{"rules", rules}});
      return;
    }
    Table t;
    t.headers = {"rule", "kind", "reads", "thresholds (now)", "confirmed", "dismissed", "precision"};
    t.right_aligned = {false, false, false, false, true, true, true};
    for (const auto& v : views) {
      std::vector<std::string> parts;
      for (const auto& [k, val] : v.thresholds) parts.push_back(k + "=" + val);
      double p = v.precision.precision();
      t.rows.push_back({v.rule_id + (v.enabled ? "" : " (disabled)"), v.kind, v.signals, text::join(parts, " "), std::to_string(v.precision.confirmed),
                        std::to_string(v.precision.dismissed), p < 0 ? "-" : std::to_string(static_cast<int>(p * 100 + 0.5)) + "%"});
      for (const auto& s : v.overrides) t.rows.push_back({"", "", "", "  override " + s, "", "", ""});
    }
    print_table(std::cout, t);
  });
}

}  // namespace costbot::cli
