-- The outbox: every outbound effect (chat post or update, ephemeral reply, ticket, page, email) is
-- a row written in the same transaction as the state change that caused it. A worker claims due
-- rows, delivers them through an adapter and records the result; a crash leaves the row to retry.
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,                      -- slack.post_message, jira.create_issue, ...
  idempotency_key TEXT NOT NULL UNIQUE,    -- the same effect is never queued (or delivered) twice
  payload TEXT NOT NULL,                   -- JSON object, adapter-specific
  status TEXT NOT NULL DEFAULT 'pending',  -- pending, in_flight, done, failed
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,        -- Unix seconds
  lease_until INTEGER,                     -- an in_flight row whose lease ran out is due again
  last_error TEXT NOT NULL DEFAULT '',
  result TEXT,                             -- JSON the adapter returned (message ts, ticket key, ...)
  created_at INTEGER NOT NULL,
  done_at INTEGER
);
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);

-- Every copy of a message the service posted (Slack, Teams, the local web channel), so a later
-- change (a decision, a ticket, an incident update) edits each copy in place.
CREATE TABLE posted_messages (
  id INTEGER PRIMARY KEY,
  subject TEXT NOT NULL,                   -- what it is about: approval:42, incident:7, digest:cfo:2024-09-18
  channel_kind TEXT NOT NULL,              -- slack, teams, web, email
  channel TEXT NOT NULL,                   -- Slack channel id, Teams conversation id, web feed name
  message_id TEXT NOT NULL,                -- Slack ts, Teams activity id
  service_url TEXT NOT NULL DEFAULT '',    -- Teams serviceUrl of the conversation
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (subject, channel_kind, channel)
);
