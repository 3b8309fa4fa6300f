-- Who asked to receive which persona's alerts and digests in chat (`subscribe PERSONA`).
-- Routing reads it; one row per platform user and persona.
CREATE TABLE chat_subscriptions (
  platform TEXT NOT NULL,                 -- slack, teams, web
  user_id TEXT NOT NULL,                  -- platform user id
  persona TEXT NOT NULL,                  -- cfo, engineer, finops_analyst, eng_manager, ...
  user_name TEXT NOT NULL DEFAULT '',
  channel TEXT NOT NULL DEFAULT '',       -- where they subscribed (DM or channel id)
  workspace TEXT NOT NULL DEFAULT '',     -- Slack team id / Teams tenant id
  created_at INTEGER NOT NULL,
  PRIMARY KEY (platform, user_id, persona)
);
