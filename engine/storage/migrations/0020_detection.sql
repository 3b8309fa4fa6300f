-- Detection: findings (one detected fact each), incidents (findings of one scope and family
-- grouped over time), feedback from people, the tuning that feedback causes, planned events, and
-- one row per detection run.

CREATE TABLE incidents (
  id INTEGER PRIMARY KEY,
  family TEXT NOT NULL,                  -- cost_anomaly, idle_compute, ..., budget_actual
  kind TEXT NOT NULL,                    -- kind of the latest finding
  scope_dimension TEXT NOT NULL,
  scope_value TEXT NOT NULL,
  team TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,                  -- open, resolved, dismissed
  severity TEXT NOT NULL,                -- highest seen
  title TEXT NOT NULL,
  first_day TEXT NOT NULL,
  last_day TEXT NOT NULL,
  baseline REAL NOT NULL DEFAULT 0,      -- expected value when it opened
  peak_impact_per_day REAL NOT NULL DEFAULT 0,
  latest_finding_id INTEGER,
  finding_count INTEGER NOT NULL DEFAULT 0,
  resolution TEXT NOT NULL DEFAULT '',
  opened_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  resolved_at INTEGER
);
-- One open incident per scope and family, enforced by the database itself.
CREATE UNIQUE INDEX incidents_one_open ON incidents(family, scope_dimension, scope_value) WHERE status = 'open';
CREATE INDEX incidents_team ON incidents(team, status);

CREATE TABLE findings (
  id INTEGER PRIMARY KEY,
  fingerprint TEXT NOT NULL UNIQUE,      -- kind|rule|scope|day: detecting it again updates this row
  kind TEXT NOT NULL,
  rule_id TEXT NOT NULL,
  scope_dimension TEXT NOT NULL,
  scope_value TEXT NOT NULL,
  team TEXT NOT NULL DEFAULT '',
  provider TEXT NOT NULL DEFAULT '',
  account TEXT NOT NULL DEFAULT '',
  service TEXT NOT NULL DEFAULT '',
  region TEXT NOT NULL DEFAULT '',
  resource TEXT NOT NULL DEFAULT '',
  sku TEXT NOT NULL DEFAULT '',
  severity TEXT NOT NULL,
  title TEXT NOT NULL,
  summary TEXT NOT NULL DEFAULT '',
  day TEXT NOT NULL,
  window_start TEXT,
  window_end TEXT,
  expected REAL NOT NULL DEFAULT 0,
  lower REAL NOT NULL DEFAULT 0,
  upper REAL NOT NULL DEFAULT 0,
  actual REAL NOT NULL DEFAULT 0,
  impact_per_day REAL NOT NULL DEFAULT 0,
  impact_per_month REAL NOT NULL DEFAULT 0,
  percent_change REAL NOT NULL DEFAULT 0,
  score REAL NOT NULL DEFAULT 0,
  contributors TEXT NOT NULL DEFAULT '[]',  -- JSON [{dimension, value, delta, share}]
  remediation TEXT NOT NULL DEFAULT '',
  remediation_command TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,                  -- open, resolved, dismissed, suppressed
  incident_id INTEGER REFERENCES incidents(id),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX findings_incident ON findings(incident_id);
CREATE INDEX findings_status ON findings(status, day);
CREATE INDEX findings_rule ON findings(rule_id);

-- Every piece of feedback, as given; precision per rule is computed from here.
CREATE TABLE feedback (
  id INTEGER PRIMARY KEY,
  finding_id INTEGER REFERENCES findings(id),
  incident_id INTEGER REFERENCES incidents(id),
  rule_id TEXT NOT NULL,
  kind TEXT NOT NULL,                    -- confirmed, not_anomaly, planned, noise_floor, rejected
  actor TEXT NOT NULL,
  reason TEXT NOT NULL DEFAULT '',
  until TEXT,                            -- planned until (YYYY-MM-DD)
  effect TEXT NOT NULL DEFAULT '',       -- what changed, in words ("threshold 4 -> 5 for team=payments")
  created_at INTEGER NOT NULL
);
CREATE INDEX feedback_rule ON feedback(rule_id);

-- Thresholds and silences changed by feedback, per rule and scope ('' scope = the whole rule).
CREATE TABLE detection_tuning (
  rule_id TEXT NOT NULL,
  scope_dimension TEXT NOT NULL DEFAULT '',
  scope_value TEXT NOT NULL DEFAULT '',
  threshold_factor REAL NOT NULL DEFAULT 1,  -- multiplies the anomaly threshold / tightens the rule threshold
  min_daily_impact REAL NOT NULL DEFAULT 0,  -- raised by "below my noise floor"
  suppressed_until TEXT,                     -- YYYY-MM-DD inclusive
  reason TEXT NOT NULL DEFAULT '',
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (rule_id, scope_dimension, scope_value)
);

-- Planned events registered ahead of time (from chat or the CLI; config ones are read from config).
CREATE TABLE planned_events (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  scope_dimension TEXT NOT NULL DEFAULT '',
  scope_value TEXT NOT NULL DEFAULT '',
  from_day TEXT NOT NULL,
  to_day TEXT NOT NULL,
  created_by TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
);

CREATE TABLE detection_runs (
  id INTEGER PRIMARY KEY,
  as_of TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER NOT NULL,
  findings_new INTEGER NOT NULL DEFAULT 0,
  findings_updated INTEGER NOT NULL DEFAULT 0,
  incidents_opened INTEGER NOT NULL DEFAULT 0,
  incidents_resolved INTEGER NOT NULL DEFAULT 0
);
