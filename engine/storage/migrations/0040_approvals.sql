-- Approval workflows. A request snapshots its workflow when it is created (stages with their
-- resolved approvers, quorum, SLA and escalation steps), so a later config change never alters a
-- request in flight. Every transition changes these rows, appends to audit_log and queues its
-- outbox effects in one write transaction.
CREATE TABLE approval_requests (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  finding_id TEXT UNIQUE,                -- at most one request per finding (NULL for manual requests)
  finding_kind TEXT NOT NULL DEFAULT '',
  title TEXT NOT NULL,
  team TEXT NOT NULL DEFAULT '',
  amount REAL NOT NULL,                  -- dollar impact in the base currency
  severity TEXT NOT NULL DEFAULT '',
  requester TEXT NOT NULL,               -- user id, or "costbot" for a finding trigger
  facts TEXT NOT NULL DEFAULT '{}',      -- JSON object: further finding facts for messages and the ticket
  workflow TEXT NOT NULL,
  ticket_settings TEXT,                  -- JSON: the Jira settings in force at creation; NULL = no ticket
  status TEXT NOT NULL DEFAULT 'open',   -- open, approved, rejected
  current_stage INTEGER,                 -- index of the active stage while open
  version INTEGER NOT NULL DEFAULT 1,    -- bumped by every transition; message copies show this state
  rejection_reason TEXT NOT NULL DEFAULT '',
  outcome TEXT NOT NULL DEFAULT '',      -- after the ticket moves: done, wont_do
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  closed_at INTEGER
);
CREATE INDEX approval_requests_status ON approval_requests(status);

CREATE TABLE approval_stages (
  request_id INTEGER NOT NULL REFERENCES approval_requests(id),
  idx INTEGER NOT NULL,                  -- 0-based order
  name TEXT NOT NULL,
  approvers TEXT NOT NULL,               -- JSON array of user ids allowed to decide (requester excluded)
  approver_refs TEXT NOT NULL,           -- JSON array as configured ("role:team_lead", ...), for display
  quorum TEXT NOT NULL,                  -- any, all, or a count
  required INTEGER NOT NULL,             -- approvals needed, resolved from quorum
  sla_seconds INTEGER NOT NULL,
  escalation TEXT NOT NULL DEFAULT '[]', -- JSON array of {after_hours, action, notify: [user ids]}
  status TEXT NOT NULL DEFAULT 'pending',-- pending, active, approved, rejected
  started_at INTEGER,
  due_at INTEGER,
  finished_at INTEGER,
  PRIMARY KEY (request_id, idx)
);
CREATE INDEX approval_stages_due ON approval_stages(status, due_at);

-- One row per principal per stage: the UNIQUE key is what makes a double click, two clicks at
-- once or a retried webhook unable to count twice.
CREATE TABLE approval_decisions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  request_id INTEGER NOT NULL REFERENCES approval_requests(id),
  stage_idx INTEGER NOT NULL,
  principal TEXT NOT NULL,               -- the approver counted (the delegator when a delegate acts)
  actor TEXT NOT NULL,                   -- who clicked (the delegate, or "system" for escalation)
  verdict TEXT NOT NULL,                 -- approve, reject
  reason TEXT NOT NULL DEFAULT '',
  source TEXT NOT NULL DEFAULT '',       -- slack, teams, web, cli, api, escalation
  decided_at INTEGER NOT NULL,
  UNIQUE (request_id, stage_idx, principal)
);

-- Escalation steps performed; the primary key makes each step happen at most once.
CREATE TABLE approval_escalations (
  request_id INTEGER NOT NULL REFERENCES approval_requests(id),
  stage_idx INTEGER NOT NULL,
  step_idx INTEGER NOT NULL,
  action TEXT NOT NULL,
  done_at INTEGER NOT NULL,
  PRIMARY KEY (request_id, stage_idx, step_idx)
);

CREATE TABLE approval_delegations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  delegator TEXT NOT NULL,
  delegate TEXT NOT NULL,
  starts_at INTEGER NOT NULL,
  ends_at INTEGER NOT NULL,              -- exclusive
  reason TEXT NOT NULL DEFAULT '',
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER,
  revoked_by TEXT
);
CREATE INDEX approval_delegations_delegate ON approval_delegations(delegate, ends_at);

CREATE TABLE approval_tickets (
  request_id INTEGER PRIMARY KEY REFERENCES approval_requests(id),
  system TEXT NOT NULL DEFAULT 'jira',
  ticket_key TEXT NOT NULL UNIQUE,       -- FIN-412
  url TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT '',       -- the tracker's status name (To Do, Done, Won't Do)
  status_category TEXT NOT NULL DEFAULT '', -- new, indeterminate, done
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
