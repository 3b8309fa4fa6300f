-- Microsoft Teams conversation references, captured from every authenticated Bot Framework
-- activity (installationUpdate, conversationUpdate, messages, card actions), so proactive alerts
-- and approval requests can reach every chat and channel the bot was added to. Teams may move a
-- conversation to another serviceUrl: the latest one seen wins.
CREATE TABLE teams_conversations (
  conversation_id TEXT PRIMARY KEY,        -- 19:...@thread.tacv2 (channel), 19:...@thread.v2 (group), a:... (personal)
  service_url TEXT NOT NULL,               -- where the Bot Connector serves this conversation
  tenant_id TEXT NOT NULL DEFAULT '',
  conversation_type TEXT NOT NULL DEFAULT '',  -- personal, groupChat, channel
  name TEXT NOT NULL DEFAULT '',           -- conversation or channel name when Teams sends one
  team_id TEXT NOT NULL DEFAULT '',
  team_name TEXT NOT NULL DEFAULT '',
  channel_id TEXT NOT NULL DEFAULT '',
  bot_id TEXT NOT NULL DEFAULT '',         -- the bot's id in this conversation (28:<app id>)
  user_id TEXT NOT NULL DEFAULT '',        -- the last person who wrote (in a personal chat: the person)
  user_name TEXT NOT NULL DEFAULT '',
  installed INTEGER NOT NULL DEFAULT 1,    -- 0 after the app was removed from it
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  last_activity TEXT NOT NULL DEFAULT ''   -- the type of the last activity seen
);
CREATE INDEX teams_conversations_name ON teams_conversations(name);
