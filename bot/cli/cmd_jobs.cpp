// `costbot jobs`: recent background job runs, each job's schedule, and running one job now through
// the scheduler's own code path (recorded, measured, followed by the jobs that run after it).
#include <fmt/format.h>

#include <iostream>

#include "bot/cli/cli.hpp"
#include "bot/cli/output.hpp"
#include "bot/scheduler/jobs.hpp"
#include "engine/util/error.hpp"

namespace costbot::cli {

std::unique_ptr<scheduler::Scheduler> make_scheduler(Context& ctx, std::vector<std::string>* unavailable) {
  ctx.database();  // migrated before any job opens its own connection
  scheduler::SchedulerOptions options;
  options.database_path = ctx.database_path();
  options.threads = 1;
  auto s = std::make_unique<scheduler::Scheduler>(ctx.config(), std::move(options));
  auto missing = scheduler::add_configured_jobs(*s, ctx.config(),
                                                scheduler::available_jobs({Context::project_path("templates")}));
  if (unavailable) *unavailable = std::move(missing);
  return s;
}

namespace {

struct JobsOptions {
  std::size_t limit = 20;
  std::string job;
  std::string format = "table";
  std::string run_name;
};

std::string duration_text(std::int64_t ms) {
  if (ms < 1000) return std::to_string(ms) + " ms";
  if (ms < 60000) return fmt::format("{:.1f} s", static_cast<double>(ms) / 1000.0);
  return fmt::format("{}m{:02d}s", ms / 60000, (ms / 1000) % 60);
}

boost::json::object run_json(const scheduler::JobRun& r) {
  return {{"id", r.id},
          {"job", r.job},
          {"trigger", r.trigger},
          {"scheduled_for", r.scheduled_for ? boost::json::value(format_instant(*r.scheduled_for)) : nullptr},
          {"started_at", format_instant(r.started_at)},
          {"finished_at", format_instant(r.finished_at)},
          {"duration_ms", r.duration_ms},
          {"outcome", std::string(scheduler::name_of(r.outcome))},
          {"changed_data", r.changed_data},
          {"message", r.message}};
}

void print_runs(Context& ctx, const JobsOptions& o) {
  auto runs = scheduler::recent_runs(ctx.database(), o.limit, o.job);
  if (o.format == "json") {
    boost::json::array items;
    for (const auto& r : runs) items.push_back(run_json(r));
    print_json(std::cout, items);
    return;
  }
  Table t;
  t.headers = {"run", "job", "trigger", "started (UTC)", "duration", "outcome", "message"};
  t.right_aligned = {true, false, false, false, true, false, false};
  for (const auto& r : runs)
    t.rows.push_back({std::to_string(r.id), r.job, r.trigger, format_instant(r.started_at), duration_text(r.duration_ms),
                      std::string(scheduler::name_of(r.outcome)), r.message});
  print_table(std::cout, t);
  if (runs.empty()) std::cout << "(no job runs yet: `costbot serve` runs them on their schedules, `costbot jobs run NAME` now)\n";
}

void print_schedule(Context& ctx, const std::string& format) {
  std::vector<std::string> unavailable;
  auto s = make_scheduler(ctx, &unavailable);
  struct Row {
    std::string name, trigger, next, last, state;
    bool enabled;
  };
  std::vector<Row> rows;
  auto last_run = [&](const std::string& job) {
    auto runs = scheduler::recent_runs(ctx.database(), 1, job);
    return runs.empty() ? std::string("-")
                        : format_instant(runs.front().started_at) + " " + std::string(scheduler::name_of(runs.front().outcome));
  };
  auto trigger_text = [](const std::string& cron, const std::string& after) {
    std::string t = cron;
    if (!after.empty()) t += (t.empty() ? "" : " and ") + std::string("after ") + after;
    return t.empty() ? std::string("manual only") : t;
  };
  for (const auto& j : s->status())
    rows.push_back({j.name, trigger_text(j.cron, j.after), j.next_run ? format_instant(*j.next_run) : "-", last_run(j.name),
                    j.enabled ? "enabled" : "disabled", j.enabled});
  for (const auto& name : unavailable) {
    const auto* c = ctx.config().schedules.find(name);
    rows.push_back({name, trigger_text(c->cron, c->after), "-", last_run(name), "not in this build", false});
  }
  if (format == "json") {
    boost::json::array items;
    for (const auto& r : rows)
      items.push_back({{"job", r.name}, {"schedule", r.trigger}, {"next_run", r.next}, {"last_run", r.last}, {"state", r.state}});
    print_json(std::cout, items);
    return;
  }
  Table t;
  t.headers = {"job", "schedule (UTC)", "next run", "last run", "state"};
  for (const auto& r : rows) t.rows.push_back({r.name, r.trigger, r.next, r.last, r.state});
  print_table(std::cout, t);
}

void run_job(Context& ctx, const std::string& name, const std::string& format) {
  std::vector<std::string> unavailable;
  auto s = make_scheduler(ctx, &unavailable);
  if (!s->has(name) && std::find(unavailable.begin(), unavailable.end(), name) != unavailable.end())
    throw not_found("job \"" + name + "\" is configured in schedules but not part of this build yet");
  auto before = scheduler::recent_runs(ctx.database(), 1);
  const std::int64_t last_id = before.empty() ? 0 : before.front().id;
  auto run = s->run_now(name);
  // The run and every job that ran after it, oldest first.
  std::vector<scheduler::JobRun> runs;
  for (auto& r : scheduler::recent_runs(ctx.database(), 100))
    if (r.id > last_id) runs.insert(runs.begin(), std::move(r));
  if (format == "json") {
    boost::json::array items;
    for (const auto& r : runs) items.push_back(run_json(r));
    print_json(std::cout, items);
  } else {
    for (const auto& r : runs)
      std::cout << fmt::format("{} ({}): {} in {}{}{}\n", r.job, r.trigger, scheduler::name_of(r.outcome),
                               duration_text(r.duration_ms), r.message.empty() ? "" : ": ", r.message);
  }
  if (run.outcome != scheduler::Outcome::succeeded) {
    std::cerr << "costbot: error: job " << name << " " << scheduler::name_of(run.outcome) << ": " << run.message << "\n";
    throw CLI::RuntimeError(1);
  }
}

}  // namespace

void add_jobs_command(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<JobsOptions>();
  auto* cmd = app.add_subcommand(
      "jobs",
      "Background jobs (ingest, detect, approval SLAs, digests): recent runs with duration and outcome.\n"
      "`costbot serve` runs them on the cron schedules of the config's `schedules:` section (UTC).");
  cmd->add_option("--limit", o->limit, "How many runs to list (default 20)")->check(CLI::Range(1, 100000));
  cmd->add_option("--job", o->job, "Only this job's runs");
  cmd->add_option("--format", o->format, "table or json")->check(CLI::IsMember({"table", "json"}));
  cmd->require_subcommand(0, 1);

  auto* run = cmd->add_subcommand("run", "Run one job now, exactly as the scheduler would (recorded in job_runs), then the\n"
                                         "jobs configured to run after it. Exits non-zero if the job fails.");
  run->add_option("name", o->run_name, "Job name (see `costbot jobs schedule`)")->required();
  run->add_option("--format", o->format, "table or json")->check(CLI::IsMember({"table", "json"}));
  run->callback([&ctx, o] { run_job(ctx, o->run_name, o->format); });

  auto* schedule = cmd->add_subcommand("schedule", "Each job's schedule, next run and last run.");
  schedule->add_option("--format", o->format, "table or json")->check(CLI::IsMember({"table", "json"}));
  schedule->callback([&ctx, o] { print_schedule(ctx, o->format); });

  cmd->callback([&ctx, o, run, schedule] {
    if (run->parsed() || schedule->parsed()) return;
    print_runs(ctx, *o);
  });
}

}  // namespace costbot::cli
