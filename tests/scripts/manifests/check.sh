#!/usr/bin/env bash
# Runs validate.mjs on deploy/teams/manifest.json and deploy/slack/manifest.yaml. The npm packages
# (pinned by package-lock.json) are installed into WORK_DIR on the first run and whenever the lock
# file changes; later runs need no network.
#   check.sh REPO WORK_DIR [PYTHON]
set -euo pipefail
repo=$(cd "$1" && pwd)
work=$(mkdir -p "$2" && cd "$2" && pwd)
python=${3:-python3}
here=$(cd "$(dirname "$0")" && pwd)
command -v node >/dev/null || { echo "node not found: install nodejs (deploy/install-deps.sh)"; exit 1; }
command -v npm >/dev/null || { echo "npm not found: install npm (deploy/install-deps.sh)"; exit 1; }
mkdir -p "$work"
cp "$here/package.json" "$here/package-lock.json" "$here/.npmrc" "$here/validate.mjs" "$work/"
if ! cmp -s "$here/package-lock.json" "$work/node_modules/.costbot-installed-lock" 2>/dev/null; then
  (cd "$work" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  cp "$here/package-lock.json" "$work/node_modules/.costbot-installed-lock"
fi
"$python" -c 'import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1], encoding="utf-8")), open(sys.argv[2], "w"))' \
  "$repo/deploy/slack/manifest.yaml" "$work/slack-manifest.json"
cd "$work"
node validate.mjs "$repo/deploy/teams/manifest.json" "$work/slack-manifest.json"
