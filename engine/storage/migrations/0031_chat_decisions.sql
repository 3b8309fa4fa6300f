-- Clicks on message buttons (approve, reject, not an anomaly, acknowledge), as received. The
-- approvals engine decides on approval requests; until a subject kind has an engine, this table is
-- the record, and the first approve/reject on a subject is final.
CREATE TABLE chat_decisions (
  id INTEGER PRIMARY KEY,
  subject TEXT NOT NULL,                  -- approval:42, finding:7
  verb TEXT NOT NULL,                     -- approve, reject, not_anomaly, ack
  actor_platform TEXT NOT NULL,
  actor_id TEXT NOT NULL,
  actor_name TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL DEFAULT '',
  channel TEXT NOT NULL DEFAULT '',       -- the message the click came from
  message_id TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
);
CREATE INDEX chat_decisions_subject ON chat_decisions(subject, id);
