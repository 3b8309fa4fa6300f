// The scheduler driven by a ManualClock: ticks happen when the test moves time, never by sleeping.
#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>

#include "bot/metrics/service_metrics.hpp"
#include "bot/scheduler/jobs.hpp"
#include "bot/scheduler/scheduler.hpp"
#include "engine/approvals/approvals.hpp"
#include "engine/util/error.hpp"
#include "tests/support/test_support.hpp"

using namespace costbot;
using namespace std::chrono_literals;
using scheduler::JobContext;
using scheduler::JobSpec;
using scheduler::Outcome;
using scheduler::Scheduler;

namespace {

UnixSeconds scheduler_at(const std::string& text) { return *parse_instant(text); }

struct SchedulerFixture {
  testing::TempDir dir;
  std::string db_path = dir.file("costbot.db");
  storage::Database db = storage::open_migrated(db_path);
  config::Config config;
  ManualClock clock{scheduler_at("2024-09-18T10:00:00Z")};

  std::unique_ptr<Scheduler> make(std::function<void(scheduler::SchedulerOptions&)> tune = {}) {
    scheduler::SchedulerOptions options;
    options.database_path = db_path;
    options.clock = &clock;
    if (tune) tune(options);
    return std::make_unique<Scheduler>(config, std::move(options));
  }
  // Oldest first.
  std::vector<scheduler::JobRun> runs(const std::string& job = {}) {
    auto r = scheduler::recent_runs(db, 1000, job);
    std::reverse(r.begin(), r.end());
    return r;
  }
};

JobSpec job(std::string name, std::string cron, std::function<void(JobContext&)> fn) {
  JobSpec spec;
  spec.name = std::move(name);
  if (!cron.empty()) spec.cron = CronExpression::parse(cron);
  spec.run = std::move(fn);
  return spec;
}

// Holds a job inside its run until the test opens it.
class Gate {
 public:
  void wait_open() {
    std::unique_lock lock(mutex_);
    entered_ = true;
    cv_.notify_all();
    cv_.wait(lock, [&] { return open_; });
  }
  bool wait_entered(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return entered_; });
  }
  void open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool entered_ = false, open_ = false;
};

// Counts runs and lets a test wait for the n-th.
class RunCounter {
 public:
  void hit() {
    std::lock_guard lock(mutex_);
    ++count_;
    cv_.notify_all();
  }
  bool wait_for(int n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return count_ >= n; });
  }
  int count() {
    std::lock_guard lock(mutex_);
    return count_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  int count_ = 0;
};

}  // namespace

TEST_CASE("a job runs at each of its cron ticks and every run is recorded", "[scheduler]") {
  SchedulerFixture f;
  auto s = f.make();
  int runs = 0;
  s->add(job("quarter", "*/15 * * * *", [&](JobContext& ctx) {
    ++runs;
    ctx.message = "run " + std::to_string(runs) + " at " + format_instant(ctx.clock.now());
    CHECK(ctx.trigger == "schedule");
    CHECK(ctx.db.path() == f.db_path);
  }));

  CHECK(s->run_due() == 0);  // 10:00: the first tick is 10:15
  f.clock.set(scheduler_at("2024-09-18T10:14:59Z"));
  CHECK(s->run_due() == 0);
  f.clock.set(scheduler_at("2024-09-18T10:15:00Z"));
  CHECK(s->run_due() == 1);
  REQUIRE(s->wait_idle(10s));
  CHECK(s->run_due() == 0);  // the same tick never runs twice
  f.clock.set(scheduler_at("2024-09-18T10:30:20Z"));
  CHECK(s->run_due() == 1);
  REQUIRE(s->wait_idle(10s));
  CHECK(runs == 2);

  auto recorded = f.runs("quarter");
  REQUIRE(recorded.size() == 2);
  CHECK(recorded[0].outcome == Outcome::succeeded);
  CHECK(recorded[0].trigger == "schedule");
  CHECK(format_instant(*recorded[0].scheduled_for) == "2024-09-18T10:15:00Z");
  CHECK(format_instant(recorded[0].started_at) == "2024-09-18T10:15:00Z");
  CHECK(recorded[0].message == "run 1 at 2024-09-18T10:15:00Z");
  CHECK(format_instant(*recorded[1].scheduled_for) == "2024-09-18T10:30:00Z");
  CHECK(recorded[1].duration_ms >= 0);
  CHECK(format_instant(*s->status().front().next_run) == "2024-09-18T10:45:00Z");
}

TEST_CASE("ticks missed while the service was away collapse into one run", "[scheduler]") {
  SchedulerFixture f;
  auto s = f.make();
  int runs = 0;
  s->add(job("every-minute", "* * * * *", [&](JobContext&) { ++runs; }));
  f.clock.advance(3 * 3600 + 30);  // three hours later
  CHECK(s->run_due() == 1);
  REQUIRE(s->wait_idle(10s));
  CHECK(runs == 1);
  CHECK(format_instant(*s->status().front().next_run) == "2024-09-18T13:01:00Z");
}

TEST_CASE("a job never overlaps itself: ticks while it runs are skipped and recorded", "[scheduler]") {
  SchedulerFixture f;
  auto s = f.make();
  Gate gate;
  std::atomic<int> inside{0}, most_inside{0}, runs{0};
  s->add(job("slow", "*/5 * * * *", [&](JobContext&) {
    int now_inside = ++inside;
    most_inside = std::max(most_inside.load(), now_inside);
    if (++runs == 1) gate.wait_open();
    --inside;
  }));

  f.clock.set(scheduler_at("2024-09-18T10:05:00Z"));
  CHECK(s->run_due() == 1);
  REQUIRE(gate.wait_entered(10s));
  f.clock.set(scheduler_at("2024-09-18T10:10:00Z"));
  CHECK(s->run_due() == 0);  // still running: skipped
  f.clock.set(scheduler_at("2024-09-18T10:15:00Z"));
  CHECK(s->run_due() == 0);
  auto manual = s->run_now("slow");  // an operator's run is refused the same way
  CHECK(manual.outcome == Outcome::skipped);
  CHECK(manual.trigger == "manual");
  gate.open();
  REQUIRE(s->wait_idle(10s));
  f.clock.set(scheduler_at("2024-09-18T10:20:00Z"));
  CHECK(s->run_due() == 1);
  REQUIRE(s->wait_idle(10s));

  CHECK(runs == 2);
  CHECK(most_inside == 1);
  auto recorded = f.runs("slow");
  REQUIRE(recorded.size() == 5);
  CHECK(recorded[0].outcome == Outcome::skipped);  // skips are recorded as they happen
  CHECK(format_instant(*recorded[0].scheduled_for) == "2024-09-18T10:10:00Z");
  CHECK(recorded[0].message == "still running from an earlier run");
  CHECK(recorded[1].outcome == Outcome::skipped);
  CHECK(recorded[2].outcome == Outcome::skipped);
  CHECK(recorded[2].trigger == "manual");
  CHECK(recorded[3].outcome == Outcome::succeeded);
  CHECK(format_instant(*recorded[3].scheduled_for) == "2024-09-18T10:05:00Z");
  CHECK(recorded[4].outcome == Outcome::succeeded);

  auto metrics = metrics::default_registry().render();
  CHECK(metrics.find("costbot_job_runs_total{job=\"slow\",outcome=\"skipped\"} 3\n") != std::string::npos);
  CHECK(metrics.find("costbot_job_runs_total{job=\"slow\",outcome=\"ok\"} 2\n") != std::string::npos);
}

TEST_CASE("a failed job is recorded with its error and runs again at the next tick", "[scheduler]") {
  SchedulerFixture f;
  auto s = f.make();
  int runs = 0;
  s->add(job("flaky", "0 * * * *", [&](JobContext& ctx) {
    ctx.message = "halfway";
    if (++runs == 1) throw Error(ErrorKind::unavailable, "the billing bucket timed out");
    ctx.message = "recovered";
  }));
  f.clock.set(scheduler_at("2024-09-18T11:00:00Z"));
  CHECK(s->run_due() == 1);
  REQUIRE(s->wait_idle(10s));
  f.clock.set(scheduler_at("2024-09-18T12:00:00Z"));
  CHECK(s->run_due() == 1);
  REQUIRE(s->wait_idle(10s));

  auto recorded = f.runs("flaky");
  REQUIRE(recorded.size() == 2);
  CHECK(recorded[0].outcome == Outcome::failed);
  CHECK(recorded[0].message == "the billing bucket timed out (halfway)");
  CHECK(recorded[1].outcome == Outcome::succeeded);
  CHECK(recorded[1].message == "recovered");
  auto metrics = metrics::default_registry().render();
  CHECK(metrics.find("costbot_job_runs_total{job=\"flaky\",outcome=\"failed\"} 1\n") != std::string::npos);
  CHECK(metrics.find("costbot_job_duration_seconds_count{job=\"flaky\"} 2\n") != std::string::npos);
}

TEST_CASE("a follower runs after each run that changed data, and retries after its own failure", "[scheduler]") {
  SchedulerFixture f;
  auto s = f.make();
  bool changes = false;
  int follower_runs = 0;
  bool follower_fails = false;
  std::vector<std::string> triggers;
  s->add(job("source", "*/30 * * * *", [&](JobContext& ctx) { ctx.changed_data = changes; }));
  auto follower = job("follower", "", [&](JobContext& ctx) {
    ++follower_runs;
    triggers.push_back(ctx.trigger);
    if (follower_fails) throw std::runtime_error("detector crashed");
  });
  follower.after = "source";
  s->add(std::move(follower));
  auto disabled = job("disabled-follower", "", [&](JobContext&) { FAIL("a disabled job never follows"); });
  disabled.after = "source";
  disabled.enabled = false;
  s->add(std::move(disabled));

  auto tick = [&] {
    f.clock.advance(1800);
    s->run_due();
    REQUIRE(s->wait_idle(10s));
  };
  tick();  // nothing changed: nothing follows
  CHECK(follower_runs == 0);
  changes = true;
  tick();
  CHECK(follower_runs == 1);
  follower_fails = true;
  tick();  // changed, follower fails
  CHECK(follower_runs == 2);
  follower_fails = false;
  changes = false;
  tick();  // nothing changed, but the follower's last run failed: it is retried
  CHECK(follower_runs == 3);
  tick();  // nothing changed and the follower is fine: it rests
  CHECK(follower_runs == 3);
  CHECK(triggers == std::vector<std::string>{"after:source", "after:source", "after:source"});

  // An operator's run goes through the same path, followers included (inline, on this thread).
  changes = true;
  auto run = s->run_now("source");
  CHECK(run.outcome == Outcome::succeeded);
  CHECK(run.changed_data);
  CHECK(follower_runs == 4);
  auto recorded = f.runs("follower");
  REQUIRE(recorded.size() == 4);
  CHECK(recorded[1].outcome == Outcome::failed);
  CHECK(recorded[1].message == "detector crashed");
}

TEST_CASE("a follow trigger that arrives while the follower runs makes it run once more", "[scheduler]") {
  SchedulerFixture f;
  auto s = f.make();
  Gate gate;
  std::atomic<int> follower_runs{0};
  s->add(job("source", "* * * * *", [&](JobContext& ctx) { ctx.changed_data = true; }));
  auto follower = job("follower", "", [&](JobContext&) {
    if (++follower_runs == 1) gate.wait_open();
  });
  follower.after = "source";
  s->add(std::move(follower));

  f.clock.advance(60);
  s->run_due();
  REQUIRE(gate.wait_entered(10s));  // the follower is busy with the first change
  // More data arrives twice while it works (operator runs: they return once the source is done).
  CHECK(s->run_now("source").changed_data);
  CHECK(s->run_now("source").changed_data);
  gate.open();
  REQUIRE(s->wait_idle(10s));
  CHECK(follower_runs == 2);  // once more, not once per change
  auto recorded = f.runs("follower");
  REQUIRE(recorded.size() == 2);
  CHECK(recorded[1].trigger == "rerun");
}

TEST_CASE("the worker thread runs jobs as the clock moves and stop waits for the running one", "[scheduler]") {
  SchedulerFixture f;
  std::vector<std::string> finished;
  std::mutex finished_mutex;
  auto s = f.make([&](scheduler::SchedulerOptions& o) {
    o.on_run_finished = [&](const scheduler::JobRun& run) {
      std::lock_guard lock(finished_mutex);
      finished.push_back(run.job + ":" + std::string(scheduler::name_of(run.outcome)));
    };
  });
  RunCounter quick_runs;
  Gate gate;
  std::atomic<bool> long_done{false};
  s->add(job("quick", "*/10 * * * *", [&](JobContext&) { quick_runs.hit(); }));
  s->add(job("long", "0 11 * * *", [&](JobContext&) {
    gate.wait_open();
    long_done = true;
  }));
  s->start();

  f.clock.set(scheduler_at("2024-09-18T10:10:00Z"));
  s->wake();
  REQUIRE(quick_runs.wait_for(1, 10s));
  REQUIRE(s->wait_idle(10s));  // a tick while it still runs would be skipped (by design)
  f.clock.set(scheduler_at("2024-09-18T10:20:00Z"));
  s->wake();
  REQUIRE(quick_runs.wait_for(2, 10s));
  REQUIRE(s->wait_idle(10s));

  f.clock.set(scheduler_at("2024-09-18T11:00:00Z"));
  s->wake();
  REQUIRE(gate.wait_entered(10s));
  auto stopped = std::async(std::launch::async, [&] { s->stop(); });
  CHECK(stopped.wait_for(100ms) == std::future_status::timeout);  // still waiting for "long"
  gate.open();
  stopped.get();
  CHECK(long_done);
  CHECK(f.runs("long").size() == 1);

  // Stopped: time moves on, nothing starts.
  const int before = quick_runs.count();
  f.clock.set(scheduler_at("2024-09-18T12:00:00Z"));
  CHECK(s->run_due() == 0);
  CHECK(quick_runs.count() == before);
  std::lock_guard lock(finished_mutex);
  CHECK(std::count(finished.begin(), finished.end(), "long:succeeded") == 1);
}

TEST_CASE("configured jobs: ingest runs the sources, detect follows when data changed", "[scheduler]") {
  SchedulerFixture f;
  auto issues = config::check_text(R"(
ingest:
  sources:
    - name: sample
      type: focus
      paths: [")" + testing::source_path("tests/fixtures/focus/focus_sample.csv") + R"("]
schedules:
  weekly_digest:
    enabled: false
)",
                                   &f.config);
  REQUIRE(issues.empty());
  auto s = f.make();
  auto jobs = scheduler::available_jobs({testing::source_path("templates")});
  auto missing = scheduler::add_configured_jobs(*s, f.config, jobs);
  CHECK(missing.empty());  // every configured job is in this build now
  auto detections = [&] { return scheduler::recent_runs(f.db, 100, "detect"); };

  auto first = s->run_now("ingest");
  CHECK(first.outcome == Outcome::succeeded);
  CHECK(first.changed_data);
  CHECK_THAT(first.message, Catch::Contains("1 ingested (1000 rows, 0 rejected)"));
  // The real detect job followed, over the data that just landed.
  auto after_first = detections();
  REQUIRE(after_first.size() == 1);
  CHECK(after_first[0].trigger == "after:ingest");
  CHECK(after_first[0].outcome == Outcome::succeeded);
  CHECK_THAT(after_first[0].message, Catch::Contains("new finding(s)"));
  auto second = s->run_now("ingest");
  CHECK(second.outcome == Outcome::succeeded);
  CHECK_FALSE(second.changed_data);
  CHECK_THAT(second.message, Catch::Contains("1 unchanged"));
  CHECK(detections().size() == 1);

  SQLite::Statement rows(f.db.sql(), "SELECT COUNT(*) FROM cost_daily");
  REQUIRE(rows.executeStep());
  CHECK(rows.getColumn(0).getInt64() > 0);
  auto status = s->status();
  auto ingest = std::find_if(status.begin(), status.end(), [](const auto& j) { return j.name == "ingest"; });
  REQUIRE(ingest != status.end());
  CHECK(ingest->cron == "*/30 * * * *");
  CHECK(format_instant(*ingest->next_run) == "2024-09-18T10:30:00Z");
}

TEST_CASE("the ingest job fails when a source fails, after the others landed", "[scheduler]") {
  SchedulerFixture f;
  auto issues = config::check_text(R"(
ingest:
  sources:
    - name: sample
      type: focus
      paths: [")" + testing::source_path("tests/fixtures/focus/focus_sample.csv") + R"("]
    - name: gone
      type: cur
      paths: ["/nonexistent/exports/*.csv"]
)",
                                   &f.config);
  REQUIRE(issues.empty());
  auto s = f.make();
  scheduler::add_configured_jobs(*s, f.config, scheduler::available_jobs({testing::source_path("templates")}));
  auto run = s->run_now("ingest");
  CHECK(run.outcome == Outcome::failed);
  CHECK(run.changed_data);  // the sample landed: detection still deserves to run
  CHECK_THAT(run.message, Catch::Contains("1 of 2 file(s) failed; first: source gone: no file matches /nonexistent"));
  CHECK_THAT(run.message, Catch::Contains("1 ingested (1000 rows"));
}

TEST_CASE("the approvals_sla job performs due escalations and reports them", "[scheduler]") {
  SchedulerFixture f;
  REQUIRE(config::check(testing::source_path("config/costbot.example.yaml"), &f.config).empty());
  approvals::Approvals engine(f.config, render::Templates(testing::source_path("templates")));
  approvals::RequestFacts facts;
  facts.title = "Stop the idle bastion";
  facts.team = "platform";
  facts.amount = 280;
  facts.requester = "costbot";
  engine.create_request(f.db, facts, f.clock.now());

  auto s = f.make();
  scheduler::add_configured_jobs(*s, f.config, scheduler::available_jobs({testing::source_path("templates")}));
  f.clock.advance(3600);
  s->run_due();
  REQUIRE(s->wait_idle(10s));
  f.clock.advance(25 * 3600);  // past the team-lead stage's 24 h SLA
  s->run_due();
  REQUIRE(s->wait_idle(10s));
  auto recorded = f.runs("approvals_sla");
  REQUIRE(recorded.size() == 2);
  CHECK(recorded[0].message == "no escalation due");
  CHECK_FALSE(recorded[0].changed_data);
  CHECK_THAT(recorded[1].message, Catch::Contains("1 reminder(s)"));
  CHECK(recorded[1].changed_data);
}

TEST_CASE("adding a job twice or running an unknown one is refused with its name", "[scheduler]") {
  SchedulerFixture f;
  auto s = f.make();
  s->add(job("ingest", "@hourly", [](JobContext&) {}));
  CHECK_THROWS_WITH(s->add(job("ingest", "@daily", [](JobContext&) {})), Catch::Contains("\"ingest\" is added twice"));
  CHECK_THROWS_WITH(s->run_now("ingets"), Catch::Contains("no job named \"ingets\" (did you mean \"ingest\"?)"));
}
