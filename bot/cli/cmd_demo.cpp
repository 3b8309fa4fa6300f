// `costbot demo`: a realistic 90-day multi-cloud history with injected anomalies and waste,
// ingested through the real ingestion path, then detection, whose findings open approval requests
// (approvals.triggers), so every command and the web page have something to show.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "bot/cli/cli.hpp"
#include "bot/scheduler/scheduler.hpp"
#include "engine/approvals/records.hpp"
#include "engine/demo/demo_history.hpp"
#include "engine/ingest/ingest.hpp"
#include "engine/query/costs.hpp"
#include "engine/util/error.hpp"
#include "engine/util/format.hpp"

namespace costbot::cli {
namespace {
namespace fs = std::filesystem;

struct DemoCliOptions {
  int days = 90;
  std::uint64_t seed = 42;
  std::string data_dir;
};

std::string team_label(const std::string& team) { return team.empty() ? "(unallocated)" : team; }

// The approval requests detection opened (approvals.triggers, through the approval_triggers job
// that runs after detect), so the web channel has Approve / Reject buttons to show. They are keyed
// by finding: a second demo run into the same database opens none twice.
std::vector<std::string> describe_open_requests(Context& ctx) {
  std::vector<std::string> lines;
  auto requests = approvals::list_requests(ctx.database(), true);
  std::reverse(requests.begin(), requests.end());  // oldest first, as they were opened
  for (const auto& r : requests)
    lines.push_back(fmt::format("#{} {} ({}, {}, workflow {})", r.id, r.title, team_label(r.team),
                                fmtx::money(r.amount, 0, ctx.config().currency.base), r.workflow));
  return lines;
}

void run_demo(Context& ctx, const DemoCliOptions& o) {
  const auto& config = ctx.config();
  auto& db = ctx.database();
  const Clock& clock = default_clock();

  demo::DemoOptions options;
  options.days = o.days;
  options.seed = o.seed;
  options.last_day = clock.today();
  options.sample_path = Context::project_path("tests/fixtures/focus/focus_sample.csv");
  fs::path dir = o.data_dir.empty() ? fs::absolute(ctx.database_path()).parent_path() / "demo-data" : fs::path(o.data_dir);
  options.focus_path = (dir / "focus_demo.csv").string();
  options.usage_path = (dir / "usage_metrics.csv").string();

  auto history = demo::generate_demo_history(options);
  std::cout << fmt::format("costbot demo: {} days of multi-cloud billing, {} .. {} (seed {}) into {}\n", o.days,
                           format_day(history.first_day), format_day(history.last_day), o.seed, ctx.database_path());
  std::cout << fmt::format("  wrote {}: {} FOCUS 1.0 rows for {} resources (AWS, Microsoft, Oracle)\n", options.focus_path,
                           fmtx::thousands(static_cast<double>(history.focus_rows)), history.resources);
  std::cout << fmt::format("  wrote {}: {} usage metric samples\n", options.usage_path,
                           fmtx::thousands(static_cast<double>(history.usage_rows)));

  // The real ingestion path, as `costbot ingest` runs it. --force: a rerun on another day
  // rewrites the same billing periods with the new history.
  ingest::IngestOptions ingest_options;
  ingest_options.source_name = "demo";
  ingest_options.force = true;
  auto costs = ingest::ingest_file(db, config, ingest::SourceType::focus, options.focus_path, clock, ingest_options);
  auto usage = ingest::ingest_file(db, config, ingest::SourceType::usage, options.usage_path, clock, ingest_options);
  for (const auto* r : {&costs, &usage})
    if (r->status == ingest::RunStatus::failed) throw invalid_input("ingesting " + r->path + " failed: " + r->error);
  std::cout << fmt::format("  ingested: {} billing rows accepted, {} rejected; {} usage samples ({:.2f} s)\n",
                           fmtx::thousands(static_cast<double>(costs.rows_accepted)), costs.rows_rejected,
                           fmtx::thousands(static_cast<double>(usage.rows_accepted)), costs.seconds + usage.seconds);

  query::CostQuery q(db);
  const auto period = query::between(history.first_day, history.last_day);
  const std::string& currency = config.currency.base;
  std::string by_team, by_provider;
  for (const auto& t : q.totals(query::Dimension::team, period))
    by_team += fmt::format("{}{} {}", by_team.empty() ? "" : ", ", team_label(t.key), fmtx::money_short(t.effective, currency));
  for (const auto& t : q.totals(query::Dimension::provider, period))
    by_provider += fmt::format("{}{} {}", by_provider.empty() ? "" : ", ", t.key, fmtx::money_short(t.effective, currency));
  std::cout << "  spend by team: " << by_team << "\n  spend by provider: " << by_provider << "\n";

  std::cout << "  injected for the detectors to find:\n";
  for (const auto& s : history.stories) {
    std::string line = s.summary;
    if (s.kind == "budget_pressure")
      if (const auto* team = config.find_team(s.team); team && team->budget.monthly > 0)
        line += fmt::format(" against a {} monthly budget", fmtx::money(team->budget.monthly, 0, currency));
    std::cout << fmt::format("    {:<20} {:<15} {}\n", s.kind, team_label(s.team), line);
  }

  // Detection, through the scheduler's job so the run is recorded like any other.
  std::vector<std::string> unavailable;
  auto jobs = make_scheduler(ctx, &unavailable);
  if (jobs->has("detect")) {
    auto run = jobs->run_now("detect", "demo");
    std::cout << fmt::format("  detection: {} in {} ms{}{}\n", scheduler::name_of(run.outcome), run.duration_ms,
                             run.message.empty() ? "" : ": ", run.message);
    if (run.outcome != scheduler::Outcome::succeeded) throw Error(ErrorKind::internal, "detection failed: " + run.message);
    // Personas that read a digest rather than each alert (eng_manager) get today's, so their tab
    // on the web page shows what they would receive, not detection's raw findings.
    if (jobs->has("daily_digest")) {
      auto digest = jobs->run_now("daily_digest", "demo");
      std::cout << fmt::format("  daily digest: {}{}{}\n", scheduler::name_of(digest.outcome), digest.message.empty() ? "" : ": ",
                               digest.message);
    }
  } else {
    std::cout << "  detection: not part of this build yet; the data is ready for `costbot detect`\n";
  }

  auto requests = describe_open_requests(ctx);
  if (!requests.empty()) {
    std::cout << "  approval requests (approvals.triggers):\n";
    for (const auto& line : requests) std::cout << "    " << line << "\n";
  }
  std::cout << "Next: costbot --db " << ctx.database_path() << " costs --by team --period 30d"
            << "   |   costbot --db " << ctx.database_path() << " serve\n";
}

}  // namespace

void add_demo_command(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<DemoCliOptions>();
  auto* cmd = app.add_subcommand(
      "demo",
      "Fill a database with a realistic multi-cloud history (FOCUS 1.0 from the shipped sample rows: AWS,\n"
      "Microsoft, Oracle) ending today, with injected anomalies and waste and usage metrics, ingest it,\n"
      "run detection, and open a few approval requests. Deterministic for a seed and day (COSTBOT_NOW pins today).");
  // `costbot demo --db PATH` reads as naturally as `costbot --db PATH demo`: the global option
  // is accepted after the command too (one option, not a copy of it).
  cmd->fallthrough();
  cmd->add_option("--days", o->days, "Days of history, ending today (default 90)")->check(CLI::Range(30, 400));
  cmd->add_option("--seed", o->seed, "Random seed: the same seed and day give the same history (default 42)");
  cmd->add_option("--data-dir", o->data_dir,
                  "Where the generated CSV files are written (default: demo-data/ beside the database)");
  cmd->callback([&ctx, o] { run_demo(ctx, *o); });
}

}  // namespace costbot::cli
