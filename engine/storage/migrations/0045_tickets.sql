-- Tickets beyond the approval state machine: the local ticket outbox (tickets opened when no Jira
-- is configured, listed by the web channel), what happened to them, the Jira create attempts that
-- make a lost answer safe to retry, and how far each ticket follows its incident.

-- The local ticket outbox: the same jira.create_issue effect, kept here instead of in Jira.
CREATE TABLE local_tickets (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  ticket_key TEXT NOT NULL UNIQUE,         -- LOCAL-1 (jira.local_key_prefix + id)
  idempotency_label TEXT NOT NULL UNIQUE,  -- costbot-req-<request id>: never two tickets per request
  request_id INTEGER REFERENCES approval_requests(id),
  project TEXT NOT NULL DEFAULT '',
  issue_type TEXT NOT NULL DEFAULT '',
  summary TEXT NOT NULL,
  priority TEXT NOT NULL DEFAULT '',
  labels TEXT NOT NULL DEFAULT '[]',       -- JSON array
  fields TEXT NOT NULL,                    -- JSON: the complete Jira create body's "fields" (ADF description)
  status TEXT NOT NULL DEFAULT 'To Do',
  status_category TEXT NOT NULL DEFAULT 'new',  -- new, indeterminate, done (as Jira's)
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

-- Comments and transitions on local tickets, in order.
CREATE TABLE local_ticket_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  ticket_key TEXT NOT NULL REFERENCES local_tickets(ticket_key),
  kind TEXT NOT NULL,                      -- comment, transition
  body TEXT NOT NULL DEFAULT '',           -- comment: ADF JSON; transition: "To Do -> Done"
  ref TEXT NOT NULL UNIQUE,                -- the outbox effect's idempotency key: each event once
  created_at INTEGER NOT NULL
);
CREATE INDEX local_ticket_events_key ON local_ticket_events(ticket_key, id);

-- A Jira create that was sent: if its answer is lost (timeout, dropped connection, crash), the
-- retry searches by label first, and trusts an empty result only once search has had time to
-- index the issue (jira.search_settle).
CREATE TABLE jira_create_attempts (
  idempotency_label TEXT PRIMARY KEY,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_attempt_at INTEGER NOT NULL
) WITHOUT ROWID;

-- The incident state a ticket's last comment described (engine/tickets/incident_sync).
CREATE TABLE ticket_incident_sync (
  request_id INTEGER PRIMARY KEY REFERENCES approval_requests(id),
  incident_id INTEGER NOT NULL,
  state TEXT NOT NULL,                     -- JSON: status, severity, finding_count, last_day, peak
  synced_at INTEGER NOT NULL
);

-- The newest Jira webhook applied per ticket: an older delivery arriving late changes nothing.
CREATE TABLE jira_webhook_state (
  ticket_key TEXT PRIMARY KEY,
  last_timestamp INTEGER NOT NULL,         -- the webhook's "timestamp" (ms)
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;

-- The version of the payload each posted copy shows (approval messages carry one): an update
-- older than what a copy already shows (a retry that lost a race, a redelivery after a crash) is
-- skipped instead of drawing old state over new.
ALTER TABLE posted_messages ADD COLUMN rendered_version INTEGER NOT NULL DEFAULT 0;
