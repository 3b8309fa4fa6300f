-- Keys the service signs its own links with (issue 18: chart images that Slack's and Teams'
-- servers fetch without a session). One random key per purpose, created once by whichever
-- process needs it first, so every replica sharing this database verifies the others' links.
-- Unlike sessions this is a usable secret: a copy of the database can sign chart links (read-only
-- chart images, nothing else).
CREATE TABLE service_keys (
  name TEXT PRIMARY KEY,                 -- what the key signs: chart_links
  key_hex TEXT NOT NULL,                 -- 32 random bytes, hex
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
