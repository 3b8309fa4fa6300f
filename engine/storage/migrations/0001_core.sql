-- Cost data. Billing rows are aggregated to one row per calendar day (UTC) and dimension set:
-- queries, detection and charts all work on daily figures, and daily rows keep the store small
-- and ingestion fast. Amounts are in the configured base currency.

-- The unit of replacement: re-ingesting any data for (source type, provider, billing account,
-- billing period) replaces everything earlier ingested for it, so nothing is counted twice.
CREATE TABLE billing_scopes (
  id INTEGER PRIMARY KEY,
  source_type TEXT NOT NULL,            -- focus, cur, azure, gcp
  provider TEXT NOT NULL,
  billing_account_id TEXT NOT NULL,
  billing_period_start TEXT NOT NULL,   -- YYYY-MM-DD
  run_id INTEGER,                       -- the ingest run that last replaced it
  UNIQUE (source_type, provider, billing_account_id, billing_period_start)
);

CREATE TABLE cost_daily (
  id INTEGER PRIMARY KEY,
  scope_id INTEGER NOT NULL REFERENCES billing_scopes(id) ON DELETE CASCADE,
  day TEXT NOT NULL,                    -- YYYY-MM-DD, from ChargePeriodStart (UTC)
  key_hash INTEGER NOT NULL,            -- hash of every dimension below, for in-place aggregation
  provider TEXT NOT NULL,
  billing_account_id TEXT NOT NULL DEFAULT '',
  sub_account_id TEXT NOT NULL DEFAULT '',
  sub_account_name TEXT NOT NULL DEFAULT '',
  service_name TEXT NOT NULL DEFAULT '',
  service_category TEXT NOT NULL DEFAULT '',
  region TEXT NOT NULL DEFAULT '',
  resource_id TEXT NOT NULL DEFAULT '',
  resource_type TEXT NOT NULL DEFAULT '',
  sku_id TEXT NOT NULL DEFAULT '',
  usage_type TEXT NOT NULL DEFAULT '',  -- CUR usage type, Azure meter, GCP SKU description, FOCUS x_UsageType/PricingUnit
  charge_category TEXT NOT NULL DEFAULT '',
  commitment_discount_id TEXT NOT NULL DEFAULT '',
  team TEXT NOT NULL DEFAULT '',        -- attributed team; '' = unallocated
  environment TEXT NOT NULL DEFAULT '', -- normalized environment tag (prod, dev, ...)
  billed_cost REAL NOT NULL DEFAULT 0,
  effective_cost REAL NOT NULL DEFAULT 0,
  list_cost REAL NOT NULL DEFAULT 0,
  contracted_cost REAL NOT NULL DEFAULT 0,
  consumed_quantity REAL NOT NULL DEFAULT 0,
  consumed_unit TEXT NOT NULL DEFAULT '',
  row_count INTEGER NOT NULL DEFAULT 0, -- billing rows aggregated into this one
  UNIQUE (scope_id, day, key_hash)
);
CREATE INDEX cost_daily_day ON cost_daily(day);
CREATE INDEX cost_daily_team_day ON cost_daily(team, day);
CREATE INDEX cost_daily_resource ON cost_daily(resource_id, day);

-- The latest known facts about each resource (tags, names), for rules and messages.
CREATE TABLE resources (
  resource_id TEXT PRIMARY KEY,
  provider TEXT NOT NULL DEFAULT '',
  sub_account_id TEXT NOT NULL DEFAULT '',
  resource_name TEXT NOT NULL DEFAULT '',
  resource_type TEXT NOT NULL DEFAULT '',
  service_name TEXT NOT NULL DEFAULT '',
  region TEXT NOT NULL DEFAULT '',
  team TEXT NOT NULL DEFAULT '',
  environment TEXT NOT NULL DEFAULT '',
  tags TEXT NOT NULL DEFAULT '{}',      -- normalized tags, JSON object
  first_seen TEXT NOT NULL,
  last_seen TEXT NOT NULL
);

-- Utilization and state metrics for the waste rules (CPUUtilization, attached, ...).
CREATE TABLE usage_metrics (
  resource_id TEXT NOT NULL,
  metric TEXT NOT NULL,
  ts INTEGER NOT NULL,                  -- Unix seconds
  value REAL NOT NULL,
  PRIMARY KEY (resource_id, metric, ts)
) WITHOUT ROWID;

-- One row per ingest of one file.
CREATE TABLE ingest_runs (
  id INTEGER PRIMARY KEY,
  source_type TEXT NOT NULL,
  source_name TEXT NOT NULL DEFAULT '',
  path TEXT NOT NULL,
  file_digest TEXT NOT NULL DEFAULT '', -- sha256 of the file's bytes
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  duration_ms INTEGER,
  status TEXT NOT NULL,                 -- succeeded, failed, unchanged
  rows_read INTEGER NOT NULL DEFAULT 0,
  rows_accepted INTEGER NOT NULL DEFAULT 0,
  rows_rejected INTEGER NOT NULL DEFAULT 0,
  error TEXT NOT NULL DEFAULT ''
);

-- Rows that could not be ingested, with where they came from and why.
CREATE TABLE quarantine (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES ingest_runs(id) ON DELETE CASCADE,
  path TEXT NOT NULL,
  line INTEGER NOT NULL,
  reason TEXT NOT NULL,
  raw TEXT NOT NULL
);
CREATE INDEX quarantine_run ON quarantine(run_id);
