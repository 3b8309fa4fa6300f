#!/usr/bin/env bash
# Lints bot/api/openapi.yaml with Redocly's CLI (the rules API tools apply when they read it):
# Redocly's recommended rules with every warning an error (redocly.yaml beside this script).
# The first run (and any run after package-lock.json changes) installs @redocly/cli with `npm ci`
# into this folder's node_modules/; parallel runs wait for one install.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "lint-openapi: node and npm are needed (Debian: apt-get install -y nodejs npm)" >&2
  exit 2
fi
stamp="$here/node_modules/.installed-lock.json"
if ! cmp -s "$stamp" "$here/package-lock.json" 2>/dev/null; then
  exec 9>"$here/.install.lock"
  flock 9
  if ! cmp -s "$stamp" "$here/package-lock.json" 2>/dev/null; then
    log="$(mktemp)"
    if ! (cd "$here" && npm ci --no-audit --no-fund --loglevel=error) >"$log" 2>&1; then
      echo "lint-openapi: npm ci in $here failed:" >&2
      cat "$log" >&2
      rm -f "$log"
      exit 2
    fi
    rm -f "$log"
    cp "$here/package-lock.json" "$stamp"
  fi
  exec 9>&-
fi
cd "$repo"
# No usage data sent (Redocly: REDOCLY_TELEMETRY=off) and no update notice.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
exec node "$here/node_modules/@redocly/cli/bin/cli.js" lint bot/api/openapi.yaml --config "$here/redocly.yaml" --format=stylish
