#include "bot/scheduler/job_runs.hpp"

namespace costbot::scheduler {

std::string_view name_of(Outcome outcome) {
  switch (outcome) {
    case Outcome::succeeded: return "succeeded";
    case Outcome::failed: return "failed";
    case Outcome::skipped: return "skipped";
  }
  return "failed";
}

namespace {
Outcome parse_outcome(const std::string& text) {
  if (text == "succeeded") return Outcome::succeeded;
  if (text == "skipped") return Outcome::skipped;
  return Outcome::failed;
}
}  // namespace

std::int64_t record_run(storage::Database& db, const JobRun& run) {
  SQLite::Statement insert(db.sql(),
                           "INSERT INTO job_runs(job, triggered_by, scheduled_for, started_at, finished_at, duration_ms, "
                           "outcome, changed_data, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, run.job);
  insert.bind(2, run.trigger);
  if (run.scheduled_for) insert.bind(3, static_cast<std::int64_t>(*run.scheduled_for));
  else insert.bind(3);
  insert.bind(4, static_cast<std::int64_t>(run.started_at));
  insert.bind(5, static_cast<std::int64_t>(run.finished_at));
  insert.bind(6, run.duration_ms);
  insert.bind(7, std::string(name_of(run.outcome)));
  insert.bind(8, run.changed_data ? 1 : 0);
  insert.bind(9, run.message);
  insert.exec();
  return db.sql().getLastInsertRowid();
}

std::vector<JobRun> recent_runs(storage::Database& db, std::size_t limit, const std::string& job) {
  SQLite::Statement q(db.sql(),
                      "SELECT id, job, triggered_by, scheduled_for, started_at, finished_at, duration_ms, outcome, "
                      "changed_data, message FROM job_runs WHERE (?1 = '' OR job = ?1) ORDER BY id DESC LIMIT ?2");
  q.bind(1, job);
  q.bind(2, static_cast<std::int64_t>(limit));
  std::vector<JobRun> out;
  while (q.executeStep()) {
    JobRun r;
    r.id = q.getColumn(0).getInt64();
    r.job = q.getColumn(1).getString();
    r.trigger = q.getColumn(2).getString();
    if (!q.getColumn(3).isNull()) r.scheduled_for = q.getColumn(3).getInt64();
    r.started_at = q.getColumn(4).getInt64();
    r.finished_at = q.getColumn(5).getInt64();
    r.duration_ms = q.getColumn(6).getInt64();
    r.outcome = parse_outcome(q.getColumn(7).getString());
    r.changed_data = q.getColumn(8).getInt() != 0;
    r.message = q.getColumn(9).getString();
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace costbot::scheduler
