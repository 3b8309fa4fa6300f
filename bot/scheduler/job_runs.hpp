#pragma once
// The job_runs table: one row per run of a background job, whatever started it, and one per tick
// skipped because the job was still running. `costbot jobs` and /metrics read what is written here.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/storage/database.hpp"
#include "engine/util/time.hpp"

namespace costbot::scheduler {

enum class Outcome { succeeded, failed, skipped };
std::string_view name_of(Outcome outcome);

struct JobRun {
  std::int64_t id = 0;
  std::string job;
  std::string trigger;  // schedule, after:<job>, manual, rerun
  std::optional<UnixSeconds> scheduled_for;
  UnixSeconds started_at = 0;
  UnixSeconds finished_at = 0;
  std::int64_t duration_ms = 0;
  Outcome outcome = Outcome::succeeded;
  bool changed_data = false;
  std::string message;
};

// Inserts the run; returns its id.
std::int64_t record_run(storage::Database& db, const JobRun& run);
// Newest first; `job` empty = every job.
std::vector<JobRun> recent_runs(storage::Database& db, std::size_t limit, const std::string& job = {});

}  // namespace costbot::scheduler
