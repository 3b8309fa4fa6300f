-- What the remote side made for a delivered effect (a Slack channel + ts, a ticket key), written
-- right after the remote call succeeds and before the outbox row is completed. A retry after a
-- crash in between finds the receipt and skips the call, so nothing is sent twice.
CREATE TABLE effect_receipts (
  idempotency_key TEXT PRIMARY KEY,       -- the outbox effect's key
  receipt TEXT NOT NULL,                  -- JSON object
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
