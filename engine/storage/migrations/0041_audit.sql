-- The audit log: append-only and hash-chained. Each row's hash is sha256 over the previous row's
-- hash and the row's own canonical content, so editing or deleting any row breaks the chain at
-- that row (`costbot audit verify`). audit_head remembers the last row, so cutting rows off the
-- end is detected too. AUTOINCREMENT keeps ids from ever being reused.
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,                   -- Unix seconds
  actor TEXT NOT NULL,                   -- user id, "system", or "cli:<user>"
  action TEXT NOT NULL,                  -- request.created, decision.approve, escalation.remind, ...
  subject TEXT NOT NULL,                 -- approval:42, delegation:3
  details TEXT NOT NULL DEFAULT '{}',    -- JSON object, hashed as stored
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_log_subject ON audit_log(subject, id);

CREATE TABLE audit_head (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  last_id INTEGER NOT NULL,
  last_hash TEXT NOT NULL
);

-- Honest code never changes a row; these stop accidents (changing them takes a deliberate DROP,
-- which verify then notices through the hashes).
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
