#!/usr/bin/env bash
# The main job: install what is needed, build costbot, fill a fresh database with `costbot demo`
# (90 days of multi-cloud billing with injected anomalies and waste, ingested, detected, and a few
# approval requests), then run the service with it: the local web channel at http://127.0.0.1:8080/
# (alert feeds, incidents with charts, approvals with working buttons, the ticket outbox), the
# scheduler and the REST API. No account anywhere. Ctrl-C stops it.
#   COSTBOT_LISTEN=127.0.0.1:9090 bash deploy/run.sh     another address
#   COSTBOT_DB=/tmp/demo.db bash deploy/run.sh           another database file (recreated)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${COSTBOT_SKIP_DEPS:-}" ]; then bash deploy/install-deps.sh; fi
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target costbot
db=${COSTBOT_DB:-build/costbot-demo.db}
listen=${COSTBOT_LISTEN:-127.0.0.1:8080}
rm -rf "$db" "$db-wal" "$db-shm"
./build/bot/costbot --db "$db" demo
host=${listen%:*}
case "$host" in ""|0.0.0.0|"[::]") host=127.0.0.1 ;; esac
echo
echo "costbot is starting with the demo data at http://$host:${listen##*:}/ : open the one-time sign-in link it"
echo "prints below in a browser (Ctrl-C stops it)."
echo
exec ./build/bot/costbot --db "$db" serve --listen "$listen"
