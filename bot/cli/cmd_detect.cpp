#include <iostream>

#include "bot/cli/cli.hpp"
#include "bot/cli/output.hpp"
#include "engine/detect/detection_run.hpp"
#include "engine/util/error.hpp"

namespace costbot::cli {

void add_detect_command(CLI::App& app, Context& ctx) {
  struct Options {
    std::string as_of, format = "table";
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("detect",
                                 "Run every detector (cost anomalies, waste rules, budgets) over the store; writes findings "
                                 "and incidents (running it twice changes nothing)");
  cmd->add_option("--as-of", o->as_of, "Evaluate as of this day, YYYY-MM-DD (default: the latest day with cost data)");
  cmd->add_option("--format", o->format, "table or json")->check(CLI::IsMember({"table", "json"}));
  cmd->callback([&ctx, o] {
    std::optional<Day> as_of;
    if (!o->as_of.empty()) {
      as_of = parse_day(o->as_of);
      if (!as_of) throw invalid_input("--as-of: expected a date like 2024-09-18, got \"" + o->as_of + "\"");
    }
    auto s = detect::run_detection(ctx.database(), ctx.config(), default_clock().now(), as_of);
    if (o->format == "json") {
      boost::json::array new_findings, opened;
      for (auto id : s.new_finding_ids) new_findings.push_back(id);
      for (auto id : s.opened_incident_ids) opened.push_back(id);
      print_json(std::cout, boost::json::object{{"as_of", format_day(s.as_of)},
                                                {"had_data", s.had_data},
                                                {"findings_new", s.findings_new},
                                                {"findings_updated", s.findings_updated},
                                                {"findings_suppressed", s.findings_suppressed},
                                                {"incidents_opened", s.incidents_opened},
                                                {"incidents_resolved", s.incidents_resolved},
                                                {"open_incidents", s.open_incidents},
                                                {"new_finding_ids", new_findings},
                                                {"opened_incident_ids", opened}});
      return;
    }
    if (!s.had_data) {
      std::cout << "no cost data in " << ctx.database_path() << ": nothing to detect (ingest first)\n";
      return;
    }
    std::cout << "detection as of " << format_day(s.as_of) << ": " << s.findings_new << " new findings, " << s.findings_updated
              << " updated, " << s.findings_suppressed << " silenced by feedback; " << s.incidents_opened
              << " incidents opened, " << s.incidents_resolved << " resolved, " << s.open_incidents << " open\n";
  });
}

}  // namespace costbot::cli
