-- Inbound deliveries already accepted (Slack event_id, Teams activity id, webhook ids), so a
-- platform's retries are processed once. Rows older than the configured TTL are deleted.
CREATE TABLE inbound_seen (
  source TEXT NOT NULL,                   -- slack.event, teams.activity, ...
  key TEXT NOT NULL,
  seen_at INTEGER NOT NULL,
  PRIMARY KEY (source, key)
) WITHOUT ROWID;
CREATE INDEX inbound_seen_age ON inbound_seen(seen_at);
