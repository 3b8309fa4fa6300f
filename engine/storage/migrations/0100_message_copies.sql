-- The one message model (engine/messages): where every copy of a message landed and which
-- version it shows, and one version counter per message subject. Replaces posted_messages (and
-- its rendered_version), the Teams version receipts and the Slack posts' outbox results as the
-- places an edit looked its message up in.
CREATE TABLE message_copies (
  id INTEGER PRIMARY KEY,
  subject TEXT NOT NULL,                   -- approval:42, incident:7, alerts:12, digest:cfo:daily:2024-09-18
  channel TEXT NOT NULL,                   -- slack, teams, web
  target TEXT NOT NULL,                    -- the address as the producer named it (C0APPR, #alerts, a Teams name, a feed)
  post_key TEXT NOT NULL UNIQUE,           -- the outbox key of its first post
  state TEXT NOT NULL DEFAULT 'queued',    -- queued, sending (a post call started), posted, failed
  conversation TEXT NOT NULL DEFAULT '',   -- where it landed: Slack channel id, Teams conversation id, web feed
  message_id TEXT NOT NULL DEFAULT '',     -- Slack ts, Teams activity id, web: the subject
  service_url TEXT NOT NULL DEFAULT '',    -- Teams serviceUrl of the conversation
  shown_version INTEGER NOT NULL DEFAULT 0,
  attempt_at INTEGER,                      -- when the last post call started (Unix seconds)
  attempts INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (subject, channel, target)
);
CREATE INDEX message_copies_landed ON message_copies(channel, conversation, message_id);

-- The version of each message subject: every redraw of any copy takes the next one.
CREATE TABLE message_versions (
  subject TEXT PRIMARY KEY,
  version INTEGER NOT NULL
) WITHOUT ROWID;

-- Persona alerts found their Slack and Teams copies through the first post's outbox result.
INSERT INTO message_copies(subject, channel, target, post_key, state, conversation, message_id, service_url,
                           shown_version, created_at, updated_at)
  SELECT m.subject, m.channel_kind, m.target, m.post_key, 'posted',
         COALESCE(json_extract(o.result, '$.channel'), json_extract(o.result, '$.conversation'), ''),
         COALESCE(json_extract(o.result, '$.ts'), json_extract(o.result, '$.activity_id'), ''),
         COALESCE(json_extract(o.result, '$.service_url'), ''), m.version, m.created_at, m.updated_at
  FROM alert_messages m JOIN outbox o ON o.idempotency_key = m.post_key AND o.status = 'done'
  WHERE m.channel_kind IN ('slack', 'teams') AND json_valid(o.result)
  ON CONFLICT DO NOTHING;
-- Every other copy (approval requests, web feeds, clicked messages).
INSERT INTO message_copies(subject, channel, target, post_key, state, conversation, message_id, service_url,
                           shown_version, created_at, updated_at)
  SELECT p.subject, p.channel_kind, p.channel, 'posted_messages:' || p.id, 'posted', p.channel, p.message_id, p.service_url,
         p.rendered_version, p.created_at, p.updated_at
  FROM posted_messages p
  WHERE p.channel_kind IN ('slack', 'teams', 'web') AND NOT EXISTS (
    SELECT 1 FROM message_copies c WHERE c.subject = p.subject AND c.channel = p.channel_kind AND c.conversation = p.channel)
  ON CONFLICT DO NOTHING;
INSERT INTO message_versions(subject, version)
  SELECT subject, MAX(shown_version) FROM message_copies GROUP BY subject;
DROP TABLE posted_messages;

-- An effect that must wait for another one (an edit for its message's first post).
ALTER TABLE outbox ADD COLUMN after_key TEXT;
