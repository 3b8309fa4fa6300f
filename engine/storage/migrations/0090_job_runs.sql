-- Every run of a background job (ingest, detect, approvals_sla, digests): scheduled, triggered by
-- another job, or started by an operator (`costbot jobs run`). A tick that found the job still
-- running is recorded too, as skipped, so a job that runs longer than its interval is visible.
CREATE TABLE job_runs (
  id INTEGER PRIMARY KEY,
  job TEXT NOT NULL,
  triggered_by TEXT NOT NULL,          -- schedule, after:<job>, manual, rerun
  scheduled_for INTEGER,               -- the cron tick (Unix seconds) for scheduled runs
  started_at INTEGER NOT NULL,         -- Unix seconds, from the service clock
  finished_at INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL,        -- measured with a monotonic clock
  outcome TEXT NOT NULL CHECK (outcome IN ('succeeded', 'failed', 'skipped')),
  changed_data INTEGER NOT NULL DEFAULT 0,  -- the run changed data (what `after` jobs follow)
  message TEXT NOT NULL DEFAULT ''
);
CREATE INDEX job_runs_job ON job_runs(job, id);
