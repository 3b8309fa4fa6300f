-- Sign-in for the web channel (issue 15). Secrets are never stored: sessions, one-time sign-in
-- links and pending OpenID Connect logins are looked up by the SHA-256 of the value the browser
-- holds, so a copy of the database signs nobody in.
CREATE TABLE web_sessions (
  id_hash TEXT PRIMARY KEY,              -- sha256 hex of the session cookie's value
  user_id TEXT NOT NULL,                 -- the identity approvals use (Slack user id, Entra object id, ...)
  name TEXT NOT NULL DEFAULT '',
  provider TEXT NOT NULL,                -- local, or an OIDC provider's name
  groups TEXT NOT NULL DEFAULT '[]',     -- JSON array: the identity provider's groups at sign-in
  csrf_token TEXT NOT NULL,              -- this session's anti-CSRF token (the page sends it back)
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,           -- absolute end
  last_seen_at INTEGER NOT NULL,         -- idle expiry counts from here
  ended_at INTEGER                       -- logout
) WITHOUT ROWID;
CREATE INDEX web_sessions_expiry ON web_sessions(expires_at);

CREATE TABLE web_sign_in_links (         -- one-time links for the local operator (no provider)
  token_hash TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER,
  created_by TEXT NOT NULL               -- serve (at start) or cli
) WITHOUT ROWID;

CREATE TABLE oidc_logins (               -- authorization requests on their way to the provider
  state_hash TEXT PRIMARY KEY,           -- sha256 of `state`
  browser_hash TEXT NOT NULL,            -- sha256 of the login cookie: the callback must come from the same browser
  provider TEXT NOT NULL,
  nonce TEXT NOT NULL,
  code_verifier TEXT NOT NULL,           -- PKCE (RFC 7636)
  return_to TEXT NOT NULL DEFAULT '/',
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;

-- /readyz writes here inside a transaction it rolls back: a read-only, full or corrupt database
-- fails the probe (503) instead of the next real write.
CREATE TABLE readiness_probe (at INTEGER NOT NULL);

-- Who held which role when `serve` last started (engine/auth/role_audit): a config change that
-- grants or revokes a role is audited (role.granted / role.revoked) at the next start.
CREATE TABLE access_assignments (
  role TEXT NOT NULL,                    -- viewer, ..., admin, or act_for:ACTOR
  member TEXT NOT NULL,                  -- a user id, *, idp_group:NAME, or the person acted for
  PRIMARY KEY (role, member)
) WITHOUT ROWID;
