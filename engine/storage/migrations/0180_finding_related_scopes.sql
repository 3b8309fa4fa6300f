-- The same cost event seen at broader scopes (resource -> service -> account -> provider, team):
-- kept as context of the one finding at the narrowest scope that explains it, never as findings
-- (or incidents, or alerts) of their own. JSON [{dimension, value, kind, day, impact_per_day,
-- percent_change, share}].
ALTER TABLE findings ADD COLUMN related_scopes TEXT NOT NULL DEFAULT '[]';
