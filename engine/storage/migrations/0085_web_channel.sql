-- The local web channel (GET / in `costbot serve`): what web.post effects posted, one row per feed
-- and subject. A later post with a higher version replaces the row (an update in place: approval
-- stages, an incident that grew); one with a lower version is ignored (it arrived late). A post
-- without a version (a reminder, an escalation notice) is added to the row's notes.
CREATE TABLE web_posts (
  feed TEXT NOT NULL,                    -- approvals, persona:cfo, ...
  subject TEXT NOT NULL,                 -- approval:42, finding:7, incident:3
  version INTEGER NOT NULL DEFAULT 0,
  event TEXT NOT NULL DEFAULT '',        -- approval_request, anomaly, digest, ...
  title TEXT NOT NULL DEFAULT '',
  text TEXT NOT NULL DEFAULT '',         -- plain text
  html TEXT NOT NULL DEFAULT '',         -- optional; the page allows only a few harmless tags
  severity TEXT NOT NULL DEFAULT '',
  view TEXT NOT NULL DEFAULT '{}',       -- JSON object: the facts (approval stages, finding figures)
  actions TEXT NOT NULL DEFAULT '[]',    -- JSON array of {verb, label, subject}
  notes TEXT NOT NULL DEFAULT '[]',      -- JSON array of {event, text, at}, newest last
  posted_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  seq INTEGER NOT NULL,                  -- grows with every change, so a poller can tell what is new
  PRIMARY KEY (feed, subject)
) WITHOUT ROWID;
CREATE INDEX web_posts_feed_seq ON web_posts(feed, seq);
