#!/usr/bin/env bash
# The main job: install what building and running need, build costbot, fill a fresh database with
# `costbot demo` (90 days of multi-cloud billing with injected anomalies and waste, ingested,
# detected, and a few approval requests), then run the service with it: the local web channel at
# http://127.0.0.1:8080/ (alert feeds, incidents with charts, approvals with working buttons, the
# ticket outbox), the scheduler and the REST API. No account anywhere. Ctrl-C stops it.
#   COSTBOT_LISTEN=127.0.0.1:9090 bash deploy/run.sh     another address
#   COSTBOT_DB=/tmp/demo.db bash deploy/run.sh           another database file (recreated)
# Test tools (Chromium, node, clang, ...) are tests/run.sh's business, not this script's.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${COSTBOT_SKIP_DEPS:-}" ]; then bash deploy/install-deps.sh --run; fi
# The same build type and flags as tests/run.sh, so running the tests afterwards reuses these objects.
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG" \
  -DCOSTBOT_WERROR=ON >/dev/null
cmake --build build -j "$(nproc)" --target costbot
db=${COSTBOT_DB:-build/costbot-demo.db}
listen=${COSTBOT_LISTEN:-127.0.0.1:8080}
rm -rf "$db" "$db-wal" "$db-shm"
./build/bot/costbot --db "$db" demo
host=${listen%:*}
port=${listen##*:}
case "$host" in ""|0.0.0.0|"[::]") host=127.0.0.1 ;; esac

./build/bot/costbot --db "$db" serve --listen "$listen" &
serve=$!
trap 'kill -INT "$serve" 2>/dev/null' INT TERM
# The banner comes after the service's startup lines, once it answers, so it is the last thing
# on the screen (on a terminal the access log shows only failed requests).
for _ in $(seq 1 300); do
  if COSTBOT_HEALTH_HOST=$host COSTBOT_HEALTH_PORT=$port bash deploy/healthcheck.sh >/dev/null 2>&1; then
    # Nobody is trusted for their address: the browser signs in once with a one-time link.
    link=$(./build/bot/costbot --db "$db" web sign-in-link 2>/dev/null || true)
    echo
    if [ -n "$link" ]; then
      echo "costbot is running with the demo data. Open this one-time sign-in link in a browser"
      echo "(Ctrl-C stops it):"
      echo
      echo "    http://$host:$port/auth/local?${link#*/auth/local\?}"
    else
      echo "costbot is running with the demo data at http://$host:$port/ : open the one-time sign-in"
      echo "link it printed above in a browser (Ctrl-C stops it)."
    fi
    echo
    break
  fi
  kill -0 "$serve" 2>/dev/null || break
  sleep 0.2
done
# Ctrl-C interrupts `wait`; wait again while the service shuts down gracefully.
set +e
wait "$serve"
status=$?
while kill -0 "$serve" 2>/dev/null; do
  wait "$serve"
  status=$?
done
exit "$status"
