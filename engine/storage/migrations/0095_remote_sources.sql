-- Remote billing sources (engine/ingest/remote_source.hpp): the version of each billing period
-- last ingested from each source (its watermark), and each source's last run for `costbot sources`.
CREATE TABLE remote_periods (
  source_name TEXT NOT NULL,
  period TEXT NOT NULL,                 -- YYYY-MM
  version TEXT NOT NULL,                -- manifest / execution id or the parts' ETags
  run_id INTEGER NOT NULL REFERENCES ingest_runs(id),
  ingested_at INTEGER NOT NULL,
  PRIMARY KEY (source_name, period)
) WITHOUT ROWID;

CREATE TABLE remote_sources (
  name TEXT PRIMARY KEY,
  location TEXT NOT NULL DEFAULT '',
  last_run_at INTEGER NOT NULL DEFAULT 0,
  last_status TEXT NOT NULL DEFAULT '',  -- succeeded, unchanged, failed
  last_error TEXT NOT NULL DEFAULT ''
);
