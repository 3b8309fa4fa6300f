#include <fmt/format.h>

#include <iostream>

#include "bot/cli/cli.hpp"
#include "bot/cli/output.hpp"
#include "engine/detect/chart_series.hpp"
#include "engine/detect/finding_store.hpp"
#include "engine/util/error.hpp"
#include "engine/util/format.hpp"
#include "engine/util/strings.hpp"

namespace costbot::cli {
namespace {

struct FindingsOptions {
  bool open = false, series = false;
  std::string team, kind, id, format = "table";
  std::size_t limit = 0;
};

std::string short_text(const std::string& s, std::size_t n) { return s.size() <= n ? s : s.substr(0, n - 3) + "..."; }

std::string scope_text(const std::string& dim, const std::string& value) {
  return dim + "=" + (value.empty() ? "(none)" : value);
}

void print_finding_detail(const detect::Finding& f, const std::string& currency) {
  std::cout << "F" << f.id << "  " << f.title << "\n"
            << "  kind " << f.kind << ", rule " << f.rule_id << ", severity " << f.severity << ", status " << f.status
            << (f.incident_id ? ", incident I" + std::to_string(f.incident_id) : std::string()) << "\n"
            << "  scope " << scope_text(f.scope_dimension, f.scope_value) << (f.team.empty() ? "" : ", team " + f.team)
            << ", day " << format_day(f.day);
  if (f.window_start) std::cout << ", window " << format_day(*f.window_start) << ".." << format_day(f.window_end.value_or(f.day));
  std::cout << "\n  expected " << fmtx::money(f.expected, 2, currency) << " (range " << fmtx::money(f.lower, 2, currency)
            << " to " << fmtx::money(f.upper, 2, currency) << "), actual " << fmtx::money(f.actual, 2, currency) << ", "
            << fmtx::percent_change(f.percent_change) << ", score " << fmt::format("{:.2f}", f.score) << "\n"
            << "  impact " << fmtx::money(f.impact_per_day, 2, currency) << "/day, " << fmtx::money(f.impact_per_month, 0, currency)
            << "/month\n  " << f.summary << "\n";
  for (const auto& c : f.contributors)
    std::cout << "  cause: " << c.dimension << " " << c.value << " " << fmtx::money(c.delta, 2, currency) << "/day ("
              << fmtx::percent(c.share) << " of the change)\n";
  std::cout << "  fix: " << f.remediation.text << "\n";
  if (!f.remediation.command.empty()) std::cout << "  command: " << f.remediation.command << "\n";
}

void run_findings(Context& ctx, const FindingsOptions& o) {
  auto& db = ctx.database();
  detect::FindingStore store(db);
  const std::string& currency = ctx.config().currency.base;
  if (!o.id.empty()) {
    std::string id = o.id;
    bool incident = id[0] == 'I' || id[0] == 'i';
    if (incident || id[0] == 'F' || id[0] == 'f') id = id.substr(1);
    auto n = text::parse_int(id);
    if (!n) throw invalid_input("--id: expected F12 (a finding) or I3 (an incident), got \"" + o.id + "\"");
    if (incident) {
      auto i = store.incident(*n);
      if (!i) throw not_found("no incident I" + id);
      auto findings = store.findings(detect::FindingQuery().in_incident(*n));
      if (o.format == "json") {
        boost::json::array fs;
        for (const auto& f : findings) fs.push_back(detect::to_json(f));
        auto obj = detect::to_json(*i);
        obj["findings"] = fs;
        print_json(std::cout, obj);
        return;
      }
      std::cout << "I" << i->id << "  " << i->title << "\n  " << i->family << " (" << i->kind << "), "
                << scope_text(i->scope_dimension, i->scope_value) << ", " << i->status << ", severity " << i->severity
                << ", " << format_day(i->first_day) << ".." << format_day(i->last_day) << ", peak "
                << fmtx::money(i->peak_impact_per_day, 2, currency) << "/day, " << i->finding_count << " findings"
                << (i->resolution.empty() ? "" : ", " + i->resolution) << "\n\n";
      for (const auto& f : findings) print_finding_detail(f, currency);
      return;
    }
    if (o.series) {
      print_json(std::cout, detect::to_json(detect::finding_chart_series(db, ctx.config(), *n)));
      return;
    }
    auto f = store.finding(*n);
    if (!f) throw not_found("no finding F" + id);
    if (o.format == "json") print_json(std::cout, detect::to_json(*f));
    else print_finding_detail(*f, currency);
    return;
  }

  detect::FindingQuery q;
  q.open_only = o.open;
  q.team = o.team;
  q.kind = o.kind;
  q.limit = o.limit;
  auto incidents = store.incidents(q);
  auto findings = store.findings(q);
  if (o.format == "json") {
    boost::json::array is, fs;
    for (const auto& i : incidents) is.push_back(detect::to_json(i));
    for (const auto& f : findings) fs.push_back(detect::to_json(f));
    print_json(std::cout, boost::json::object{{"incidents", is}, {"findings", fs}});
    return;
  }
  Table it;
  it.headers = {"id", "status", "severity", "kind", "scope", "days", "peak/day", "findings", "title"};
  it.right_aligned = {false, false, false, false, false, false, true, true, false};
  for (const auto& i : incidents)
    it.rows.push_back({"I" + std::to_string(i.id), i.status, i.severity, i.kind, short_text(scope_text(i.scope_dimension, i.scope_value), 32),
                       format_day(i.first_day) + ".." + format_day(i.last_day).substr(5), fmtx::money_short(i.peak_impact_per_day, currency),
                       std::to_string(i.finding_count), short_text(i.title, 80)});
  Table ft;
  ft.headers = {"id", "incident", "status", "severity", "kind", "scope", "day", "impact/day", "title"};
  ft.right_aligned = {false, false, false, false, false, false, false, true, false};
  for (const auto& f : findings)
    ft.rows.push_back({"F" + std::to_string(f.id), f.incident_id ? "I" + std::to_string(f.incident_id) : "-", f.status, f.severity,
                       f.kind, short_text(scope_text(f.scope_dimension, f.scope_value), 32), format_day(f.day),
                       fmtx::money_short(f.impact_per_day, currency), short_text(f.title, 80)});
  std::cout << "Incidents" << (o.open ? " (open)" : "") << ": " << incidents.size() << "\n";
  if (!incidents.empty()) print_table(std::cout, it);
  std::cout << "\nFindings" << (o.open ? " (open)" : "") << ": " << findings.size() << "\n";
  if (!findings.empty()) print_table(std::cout, ft);
}

}  // namespace

void add_findings_command(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<FindingsOptions>();
  auto* cmd = app.add_subcommand("findings", "List findings and incidents with their ids (F12, I3), or show one");
  cmd->add_flag("--open", o->open, "Only open ones");
  cmd->add_option("--team", o->team, "Only this team's");
  cmd->add_option("--kind", o->kind, "Only this kind (cost_spike, idle_compute, ...; incidents: family or kind)");
  cmd->add_option("--limit", o->limit, "At most N of each (newest first)");
  cmd->add_option("--id", o->id, "Show one finding (F12) or incident (I3) in full");
  cmd->add_flag("--series", o->series, "With --id F..: print the daily series behind a cost anomaly (JSON, for charts)");
  cmd->add_option("--format", o->format, "table or json")->check(CLI::IsMember({"table", "json"}));
  cmd->callback([&ctx, o] { run_findings(ctx, *o); });
}

}  // namespace costbot::cli
