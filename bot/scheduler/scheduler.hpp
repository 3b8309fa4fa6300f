#pragma once
// Runs background jobs (ingest, detect, approval SLAs, digests) on cron schedules and after each
// other, and records every run in job_runs and in the job metrics.
//
//   scheduler::Scheduler s(config, {.database_path = path, .clock = &clock});
//   scheduler::add_configured_jobs(s, config, scheduler::available_jobs({templates_root}));  // jobs.hpp
//   s.start();   // the loop thread; jobs run on a small pool, each with its own DB connection
//   ...
//   s.stop();    // no new runs; waits for the ones running (graceful shutdown)
//
// Rules every job gets for free:
//  - A job never overlaps itself: a tick that finds it still running is skipped and recorded as a
//    `skipped` run. Ticks missed while the process was busy or suspended collapse into one run.
//  - A job that throws is logged, recorded as `failed` with the exception's message, and simply
//    runs again at its next tick.
//  - `after`: a job runs after each run of the job it follows that changed data (JobContext::
//    changed_data), and after the next successful run of it while its own last run failed (so a
//    failed detect is retried). A follower triggered while it is still running runs once more
//    when it finishes, so no change goes unprocessed.
//  - Time comes from the injected Clock: tests drive a ManualClock with run_due() / wake() and
//    never sleep.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bot/scheduler/job_runs.hpp"
#include "engine/config/config.hpp"
#include "engine/storage/database.hpp"
#include "engine/util/cron.hpp"
#include "engine/util/time.hpp"

namespace boost::asio {
class thread_pool;  // <boost/asio/thread_pool.hpp> only where the pool is used: Asio is heavy to parse
}

namespace costbot::scheduler {

// What a job gets when it runs, and what it reports back.
struct JobContext {
  std::string job;
  storage::Database& db;  // this job's own connection (never shared with another thread at once)
  const config::Config& config;
  const Clock& clock;
  std::string trigger;  // schedule, after:<job>, manual, rerun
  // Set by the job:
  std::string message;        // a one-line summary, kept in job_runs.message
  bool changed_data = false;  // the run changed data: jobs that run `after` this one follow
};

using JobFn = std::function<void(JobContext&)>;

struct JobSpec {
  std::string name;       // also the metrics label: keep to a small fixed set
  JobFn run;
  std::optional<CronExpression> cron;  // time trigger, if any
  std::string after;      // the job this one follows, if any
  bool enabled = true;    // disabled: never triggered by time or by `after`; run_now still runs it
  bool run_at_start = false;  // start() runs it once at once (trigger "start"), if enabled
  std::string description;
};

// A job as the scheduler sees it now.
struct JobStatus {
  std::string name, description, cron, after;
  bool enabled = true;
  bool running = false;
  std::optional<UnixSeconds> next_run;  // the next cron tick, if scheduled by time and enabled
};

struct SchedulerOptions {
  std::string database_path;     // each job (and the scheduler's own bookkeeping) opens its connection
  const Clock* clock = nullptr;  // default: default_clock()
  // The loop sleeps until the next tick but re-reads the clock at least this often (a changed
  // system clock, a suspended VM).
  std::chrono::milliseconds max_wait{30000};
  unsigned threads = 4;          // jobs that may run at the same time (each job at most once)
  // Called after every finished (not skipped) run, on the thread that ran it: the service wakes
  // its outbox worker here when a run queued effects.
  std::function<void(const JobRun&)> on_run_finished;
};

class Scheduler {
 public:
  Scheduler(const config::Config& config, SchedulerOptions options);
  ~Scheduler();  // stop()
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Before start(). Throws Error(invalid_input) for a duplicate name or an empty function.
  void add(JobSpec spec);
  bool has(const std::string& name) const;
  std::vector<JobStatus> status() const;  // in the order added

  void start();  // starts the loop thread (once) and the jobs that run at start
  void stop();   // no new runs, then waits for the loop and every running job; idempotent
  void wake();   // re-read the clock now (after moving a ManualClock)

  // One pass: starts (on the pool) every enabled job whose cron tick has come; records a skipped
  // run for one still running. Returns how many it started. The loop calls it; tests may too.
  int run_due();
  // Runs the job now on the calling thread (the operator's `costbot jobs run`), then the jobs that
  // follow it. A job already running is not started again: the result is the recorded skip.
  // Throws Error(not_found) for an unknown name.
  JobRun run_now(const std::string& name, const std::string& trigger = "manual");
  // Waits until no job is running; false if `timeout` passed first.
  bool wait_idle(std::chrono::milliseconds timeout);

 private:
  struct Job;
  struct Start {
    Job* job;
    std::string trigger;
    std::optional<UnixSeconds> scheduled_for;
  };

  Job* find(const std::string& name) const;
  JobRun execute(Job& job, const std::string& trigger, std::optional<UnixSeconds> scheduled_for);
  // Marks `job` done and returns what must start next (followers, a rerun); caller holds no lock.
  std::vector<Start> finish(Job& job, const JobRun& run);
  void dispatch(std::vector<Start> starts);  // on the pool
  void run_inline(std::vector<Start> starts);  // on this thread, followers included
  JobRun record_skip(const std::string& job, const std::string& trigger, std::optional<UnixSeconds> scheduled_for,
                   const std::string& message);
  void loop();

  const config::Config& config_;
  SchedulerOptions options_;
  const Clock& clock_;
  std::vector<std::unique_ptr<Job>> jobs_;

  mutable std::mutex mutex_;
  std::condition_variable loop_cv_;
  std::condition_variable idle_cv_;
  bool stopping_ = false;
  bool woken_ = false;
  int running_ = 0;

  std::mutex control_mutex_;
  std::unique_ptr<storage::Database> control_db_;  // for skipped runs, recorded by the dispatcher

  std::unique_ptr<boost::asio::thread_pool> pool_;
  std::thread loop_thread_;
};

}  // namespace costbot::scheduler
