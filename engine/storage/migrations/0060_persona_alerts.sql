-- Persona alerts (engine/alerts): every message sent to a persona's target, what each message said
-- about each incident (so an update edits it in place instead of posting again), acknowledgements,
-- escalation steps and digests.

-- One row per message: a single alert (subject incident:7 / finding:12) or a group of alerts
-- (subject alerts:<id>) sent to one target of one persona.
CREATE TABLE alert_messages (
  id INTEGER PRIMARY KEY,
  persona TEXT NOT NULL,
  channel_kind TEXT NOT NULL,              -- slack, teams, web, email, pagerduty
  target TEXT NOT NULL,                    -- Slack channel or user id, Teams conversation, feed, address, "events"
  subject TEXT NOT NULL,                   -- incident:7, finding:12, alerts:<id> (a group)
  event TEXT NOT NULL,                     -- anomaly, waste, budget, group
  post_key TEXT NOT NULL,                  -- the first post's outbox idempotency key (its result: Slack channel + ts)
  version INTEGER NOT NULL DEFAULT 1,      -- raised by every edit
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX alert_messages_subject ON alert_messages(subject);

-- What each persona target was told about each incident, as of which state.
CREATE TABLE alert_items (
  persona TEXT NOT NULL,
  channel_kind TEXT NOT NULL,
  target TEXT NOT NULL,
  subject TEXT NOT NULL,                   -- incident:7 / finding:12
  message_id INTEGER NOT NULL REFERENCES alert_messages(id),
  finding_id INTEGER NOT NULL,             -- the finding the message shows (the incident's latest)
  state TEXT NOT NULL,                     -- status|severity|finding|acknowledged as shown; a change means an edit
  severity TEXT NOT NULL,
  first_delivered_at INTEGER NOT NULL,
  delivered_at INTEGER NOT NULL,
  escalate_from INTEGER,                   -- when it was first sent at the escalation severity
  PRIMARY KEY (persona, channel_kind, target, subject)
);
CREATE INDEX alert_items_message ON alert_items(message_id);
CREATE INDEX alert_items_subject ON alert_items(subject);

-- "Acknowledge" clicks: the first one stops escalation for the subject.
CREATE TABLE alert_acks (
  subject TEXT PRIMARY KEY,
  actor_platform TEXT NOT NULL,
  actor_id TEXT NOT NULL,
  actor_name TEXT NOT NULL DEFAULT '',
  acked_at INTEGER NOT NULL
);

-- Escalation steps taken, each once per subject.
CREATE TABLE alert_escalations (
  subject TEXT NOT NULL,
  level TEXT NOT NULL,                     -- manager, director
  notified TEXT NOT NULL,                  -- JSON array of the user ids mentioned
  at INTEGER NOT NULL,
  PRIMARY KEY (subject, level)
);

-- Digests sent: one per persona, period (daily, weekly) and day.
CREATE TABLE alert_digests (
  persona TEXT NOT NULL,
  period TEXT NOT NULL,
  day TEXT NOT NULL,                       -- YYYY-MM-DD (UTC) of the run
  targets INTEGER NOT NULL,
  sent_at INTEGER NOT NULL,
  PRIMARY KEY (persona, period, day)
);
