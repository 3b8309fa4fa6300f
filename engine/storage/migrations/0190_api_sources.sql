-- API billing sources (Cost Explorer): the requests each source made per UTC day, for the daily
-- cap (each request is billed), and the days a run's figures are provider estimates (shown by
-- `costbot costs`). See engine/ingest/remote_source.hpp.
CREATE TABLE remote_api_calls (
  source_name TEXT NOT NULL,
  day TEXT NOT NULL,                    -- YYYY-MM-DD (UTC)
  calls INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (source_name, day)
) WITHOUT ROWID;

CREATE TABLE cost_estimated_days (
  run_id INTEGER NOT NULL REFERENCES ingest_runs(id) ON DELETE CASCADE,
  day TEXT NOT NULL,                    -- YYYY-MM-DD
  PRIMARY KEY (run_id, day)
) WITHOUT ROWID;
