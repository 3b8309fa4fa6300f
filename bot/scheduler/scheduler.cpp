#include "bot/scheduler/scheduler.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "bot/metrics/service_metrics.hpp"
#include "engine/util/error.hpp"
#include "engine/util/log.hpp"
#include "engine/util/strings.hpp"

namespace costbot::scheduler {

struct Scheduler::Job {
  JobSpec spec;
  std::unique_ptr<storage::Database> db;  // opened on the first run, used by one run at a time
  std::optional<UnixSeconds> next_fire;
  bool running = false;
  bool rerun = false;        // a follow trigger arrived while it ran: run once more
  bool last_failed = false;
};

Scheduler::Scheduler(const config::Config& config, SchedulerOptions options)
    : config_(config),
      options_(std::move(options)),
      clock_(options_.clock ? *options_.clock : default_clock()),
      pool_(std::make_unique<boost::asio::thread_pool>(std::max(1u, options_.threads))) {
  if (options_.database_path.empty()) throw Error(ErrorKind::internal, "scheduler: no database path");
}

Scheduler::~Scheduler() { stop(); }

void Scheduler::add(JobSpec spec) {
  if (spec.name.empty() || !spec.run) throw invalid_input("scheduler: a job needs a name and a function");
  std::lock_guard lock(mutex_);
  for (const auto& j : jobs_)
    if (j->spec.name == spec.name) throw invalid_input("scheduler: job \"" + spec.name + "\" is added twice");
  auto job = std::make_unique<Job>();
  if (spec.cron && spec.enabled) job->next_fire = spec.cron->next_after(clock_.now());
  job->spec = std::move(spec);
  jobs_.push_back(std::move(job));
}

Scheduler::Job* Scheduler::find(const std::string& name) const {
  for (const auto& j : jobs_)
    if (j->spec.name == name) return j.get();
  return nullptr;
}

bool Scheduler::has(const std::string& name) const {
  std::lock_guard lock(mutex_);
  return find(name) != nullptr;
}

std::vector<JobStatus> Scheduler::status() const {
  std::lock_guard lock(mutex_);
  std::vector<JobStatus> out;
  for (const auto& j : jobs_) {
    JobStatus s;
    s.name = j->spec.name;
    s.description = j->spec.description;
    s.cron = j->spec.cron ? j->spec.cron->text() : "";
    s.after = j->spec.after;
    s.enabled = j->spec.enabled;
    s.running = j->running;
    s.next_run = j->next_fire;
    out.push_back(std::move(s));
  }
  return out;
}

void Scheduler::start() {
  std::vector<Start> at_start;
  {
    std::lock_guard lock(mutex_);
    if (loop_thread_.joinable() || stopping_) return;
    for (auto& j : jobs_) {
      if (!j->spec.enabled || !j->spec.run_at_start || j->running) continue;
      j->running = true;
      ++running_;
      at_start.push_back({j.get(), "start", std::nullopt});
    }
    loop_thread_ = std::thread([this] { loop(); });
  }
  dispatch(std::move(at_start));
}

void Scheduler::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  loop_cv_.notify_all();
  if (loop_thread_.joinable()) loop_thread_.join();
  // Lets every run already started finish; no new ones start once stopping_ is set.
  if (pool_) pool_->join();
}

void Scheduler::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  loop_cv_.notify_all();
}

void Scheduler::loop() {
  spdlog::info("scheduler started: {} job(s)", jobs_.size());
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    try {
      run_due();
    } catch (const std::exception& e) {
      // run_due only records skips here; a failing bookkeeping write must not end the loop.
      spdlog::error("scheduler: {}", log::redact(e.what()));
    }
    lock.lock();
    if (stopping_) break;
    std::optional<UnixSeconds> earliest;
    for (const auto& j : jobs_)
      if (j->next_fire && (!earliest || *j->next_fire < *earliest)) earliest = j->next_fire;
    auto wait = options_.max_wait;
    if (earliest) {
      auto until = std::chrono::milliseconds(std::max<UnixSeconds>(0, *earliest - clock_.now()) * 1000);
      wait = std::min(wait, until);
    }
    if (wait.count() > 0) loop_cv_.wait_for(lock, wait, [this] { return stopping_ || woken_; });
    woken_ = false;
  }
  spdlog::info("scheduler stopped");
}

int Scheduler::run_due() {
  const UnixSeconds now = clock_.now();
  std::vector<Start> starts;
  struct Skip {
    std::string job;
    UnixSeconds tick;
  };
  std::vector<Skip> skips;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return 0;
    for (auto& j : jobs_) {
      if (!j->spec.enabled || !j->spec.cron || !j->next_fire || *j->next_fire > now) continue;
      const UnixSeconds tick = *j->next_fire;
      // Ticks missed meanwhile collapse into this one: the next is the first after now.
      j->next_fire = j->spec.cron->next_after(now);
      if (j->running) {
        skips.push_back({j->spec.name, tick});
        continue;
      }
      j->running = true;
      ++running_;
      starts.push_back({j.get(), "schedule", tick});
    }
  }
  const int started = static_cast<int>(starts.size());
  dispatch(std::move(starts));
  for (const auto& s : skips) record_skip(s.job, "schedule", s.tick, "still running from an earlier run");
  return started;
}

JobRun Scheduler::record_skip(const std::string& job, const std::string& trigger, std::optional<UnixSeconds> scheduled_for,
                            const std::string& message) {
  JobRun run;
  run.job = job;
  run.trigger = trigger;
  run.scheduled_for = scheduled_for;
  run.started_at = run.finished_at = clock_.now();
  run.outcome = Outcome::skipped;
  run.message = message;
  spdlog::warn("job {} skipped: {}", job, message);
  metrics::service().record_job_skipped(job);
  std::lock_guard lock(control_mutex_);
  try {
    if (!control_db_) control_db_ = std::make_unique<storage::Database>(options_.database_path);
    run.id = record_run(*control_db_, run);
  } catch (const std::exception& e) {
    spdlog::error("job {}: cannot record the skipped run: {}", job, log::redact(e.what()));
  }
  return run;
}

JobRun Scheduler::execute(Job& job, const std::string& trigger, std::optional<UnixSeconds> scheduled_for) {
  const std::string& name = job.spec.name;
  JobRun run;
  run.job = name;
  run.trigger = trigger;
  run.scheduled_for = scheduled_for;
  run.started_at = clock_.now();
  metrics::Stopwatch stopwatch;
  std::string context_message;
  try {
    if (!job.db) job.db = std::make_unique<storage::Database>(options_.database_path);
    JobContext ctx{name, *job.db, config_, clock_, trigger, {}, false};
    try {
      job.spec.run(ctx);
      run.outcome = Outcome::succeeded;
    } catch (...) {
      run.changed_data = ctx.changed_data;
      context_message = ctx.message;
      throw;
    }
    run.changed_data = ctx.changed_data;
    run.message = ctx.message;
  } catch (const std::exception& e) {
    run.outcome = Outcome::failed;
    run.message = e.what();
    if (!context_message.empty() && context_message != run.message) run.message += " (" + context_message + ")";
  } catch (...) {
    run.outcome = Outcome::failed;
    run.message = "failed with an unknown exception";
  }
  const double seconds = stopwatch.seconds();
  run.finished_at = clock_.now();
  run.duration_ms = static_cast<std::int64_t>(seconds * 1000.0 + 0.5);
  run.message = log::redact(run.message);

  if (run.outcome == Outcome::succeeded)
    spdlog::info("job {} ({}) succeeded in {:.2f} s{}{}", name, trigger, seconds, run.message.empty() ? "" : ": ",
                 run.message);
  else
    spdlog::error("job {} ({}) failed after {:.2f} s: {}; it runs again at its next tick", name, trigger, seconds,
                  run.message);
  metrics::service().record_job(name, run.outcome == Outcome::succeeded, seconds);
  try {
    if (!job.db) job.db = std::make_unique<storage::Database>(options_.database_path);
    run.id = record_run(*job.db, run);
  } catch (const std::exception& e) {
    spdlog::error("job {}: cannot record the run: {}", name, log::redact(e.what()));
  }
  if (options_.on_run_finished) {
    try {
      options_.on_run_finished(run);
    } catch (const std::exception& e) {
      spdlog::error("job {}: on_run_finished: {}", name, log::redact(e.what()));
    }
  }
  return run;
}

std::vector<Scheduler::Start> Scheduler::finish(Job& job, const JobRun& run) {
  std::vector<Start> next;
  {
    std::lock_guard lock(mutex_);
    job.running = false;
    --running_;
    job.last_failed = run.outcome == Outcome::failed;
    if (!stopping_) {
      for (auto& f : jobs_) {
        if (!f->spec.enabled || f->spec.after != job.spec.name) continue;
        const bool retry = f->last_failed && run.outcome == Outcome::succeeded;
        if (!run.changed_data && !retry) continue;
        if (f->running) {
          f->rerun = true;
          continue;
        }
        f->running = true;
        ++running_;
        next.push_back({f.get(), "after:" + job.spec.name, std::nullopt});
      }
      if (job.rerun) {
        job.rerun = false;
        job.running = true;
        ++running_;
        next.push_back({&job, "rerun", std::nullopt});
      }
    } else {
      job.rerun = false;
    }
  }
  idle_cv_.notify_all();
  return next;
}

void Scheduler::dispatch(std::vector<Start> starts) {
  for (auto& s : starts)
    boost::asio::post(*pool_, [this, s] {
      auto run = execute(*s.job, s.trigger, s.scheduled_for);
      dispatch(finish(*s.job, run));
    });
}

void Scheduler::run_inline(std::vector<Start> starts) {
  for (auto& s : starts) {
    auto run = execute(*s.job, s.trigger, s.scheduled_for);
    run_inline(finish(*s.job, run));
  }
}

JobRun Scheduler::run_now(const std::string& name, const std::string& trigger) {
  Job* job = nullptr;
  {
    std::lock_guard lock(mutex_);
    job = find(name);
    if (!job) {
      std::vector<std::string> names;
      for (const auto& j : jobs_) names.push_back(j->spec.name);
      auto hint = text::closest(name, names);
      throw not_found("no job named \"" + name + "\"" + (hint ? " (did you mean \"" + *hint + "\"?)" : "") +
                      "; jobs: " + text::join(names, ", "));
    }
    if (!job->running) {
      job->running = true;
      ++running_;
    } else {
      job = nullptr;
    }
  }
  if (!job) return record_skip(name, trigger, std::nullopt, "still running");
  auto run = execute(*job, trigger, std::nullopt);
  run_inline(finish(*job, run));
  return run;
}

bool Scheduler::wait_idle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return idle_cv_.wait_for(lock, timeout, [this] { return running_ == 0; });
}

}  // namespace costbot::scheduler
