-- Ingestion bookkeeping beyond 0001: which billing scopes each run replaced (so an unchanged file
-- is only skipped while its data is still the current data), the file size (a cheap first check
-- before hashing a file again), and lookups by digest.
ALTER TABLE ingest_runs ADD COLUMN file_size INTEGER NOT NULL DEFAULT 0;

CREATE TABLE ingest_run_scopes (
  run_id INTEGER NOT NULL REFERENCES ingest_runs(id) ON DELETE CASCADE,
  scope_id INTEGER NOT NULL REFERENCES billing_scopes(id) ON DELETE CASCADE,
  PRIMARY KEY (run_id, scope_id)
) WITHOUT ROWID;

CREATE INDEX ingest_runs_digest ON ingest_runs(file_digest, status);
CREATE INDEX ingest_runs_size ON ingest_runs(source_type, file_size, status);

-- cost_daily is written by ingestion in bulk and read by day range (every query and detector
-- filters on a period), so two more indexes cost far more at load time (random inserts into long
-- text keys for every daily row) than they save at read time, where the day index narrows first.
DROP INDEX IF EXISTS cost_daily_team_day;
DROP INDEX IF EXISTS cost_daily_resource;
