#!/usr/bin/env bash
# Side-by-side load test of signed slash commands: costbot (`/cost top 5 last 7d` answered from a
# database with 200,000 daily cost rows) and the Bolt-js peer, in one run, same machine, same load.
#
#   bash tests/bench/slack_commands.sh [BUILD_DIR=build-bench]
#     env: DURATION=10s CONNECTIONS=32 THREADS=2 RUNS=2 DAYS=400 RESOURCES=500
#
# Needs: a build with -DCOSTBOT_BENCH=ON (cmake -S . -B build-bench -G Ninja -DCOSTBOT_BENCH=ON
# && cmake --build build-bench -j2), wrk, node/npm (for the peer).
# Prints one JSON line per run (rps, p50/p99, non2xx, errors, server CPU us per request) for:
#   costbot cached     the default: query answers reused while the cost data is unchanged
#   costbot uncached   commands.cache_ttl: 0 — every request runs the query
#   costbot + access log at info (the default log level) — the cost of one log line per request
#   costbot bad signature (every request must get 401)
#   bolt-js (good, good, bad signature)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
build=${1:-build-bench}
tools=$root/../shared/tools/slack-load
secret=bench-signing-secret
duration=${DURATION:-10s} connections=${CONNECTIONS:-32} threads=${THREADS:-2} runs=${RUNS:-2}
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
pid=""

"$build/tests/bench/bench_seed_costs" "$work/bench.db" "${DAYS:-400}" "${RESOURCES:-500}"

run_costbot() {  # label, extra YAML, log level
  local label=$1 yaml=$2 level=$3
  printf 'database: {path: %s}\n%s\n' "$work/bench.db" "$yaml" > "$work/bench.yaml"
  local port=${PORT:-18480}
  SLACK_SIGNING_SECRET=$secret "$build/bot/costbot" --config "$work/bench.yaml" --log-level "$level" \
    serve --listen "127.0.0.1:$port" 2> "$work/serve.log" &
  pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" > /dev/null && break; sleep 0.05; done
  curl -sf "http://127.0.0.1:$port/readyz" > /dev/null || { cat "$work/serve.log" >&2; exit 1; }
  local args=(--url "http://127.0.0.1:$port/slack/commands" --secret "$secret" --duration "$duration"
              --connections "$connections" --threads "$threads" --server-pid "$pid")
  "$tools/slack-load.sh" "${args[@]}" --duration 2s > /dev/null   # warm up (first query fills the cache)
  for _ in $(seq "$runs"); do echo "costbot $label: $("$tools/slack-load.sh" "${args[@]}" --count-status)"; done
  if [ "$label" = cached ]; then
    echo "costbot bad-signature: $("$tools/slack-load.sh" "${args[@]}" --duration 3s --bad-signature)"
  fi
  kill -TERM "$pid"; wait "$pid" || true; pid=""
}

run_costbot cached "server: {access_log: false}" warn
run_costbot uncached "server: {access_log: false}
commands: {cache_ttl: 0}" warn
run_costbot "cached+access-log" "" info
echo "--- bolt-js peer (same load) ---"
(cd "$tools" && DURATION=$duration CONNECTIONS=$connections THREADS=$threads RUNS=$runs ./run-peer-bolt.sh) |
  sed 's/^/bolt-js: /'
