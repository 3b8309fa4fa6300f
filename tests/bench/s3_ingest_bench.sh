#!/usr/bin/env bash
# Pulling a billing export from S3 vs reading the same file from disk, in one run:
#   1. bench_generate_focus writes ROWS FOCUS rows (hourly charge periods, 90 days, 3,000
#      resources, from the bundled sample) and gzips them, as AWS delivers exports;
#   2. s3rver (npm) starts with tests/aws/s3_verifying_proxy.mjs in front (every request's SigV4
#      recomputed with @smithy/signature-v4), and the file is put into it;
#   3. `costbot ingest` runs three times into fresh databases, each under /usr/bin/time -v:
#      from disk, from S3 through the verifying proxy, and from s3rver directly;
#   4. prints rows/s, wall time and peak RSS for each, and checks the three stored totals agree.
# Shipped defaults throughout (example config, default flags). Generated data lives under WORK
# (default: a temp dir, removed at the end).
#
#   bash tests/bench/s3_ingest_bench.sh          (ROWS=1000000 BUILD=build WORK=/work/tmp/x to change;
#                                                  DAYS=90 RESOURCES=3000: the generated file's shape)
set -euo pipefail
cd "$(dirname "$0")/../.."

ROWS=${ROWS:-1000000}
DAYS=${DAYS:-90}
RESOURCES=${RESOURCES:-3000}
BUILD=${BUILD:-build-bench}
if [ ! -x "$BUILD/bot/costbot" ] || [ ! -x "$BUILD/tests/bench/bench_generate_focus" ]; then
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOSTBOT_BENCH=ON >/dev/null
  cmake --build "$BUILD" -j2 --target costbot bench_generate_focus >/dev/null
fi
COSTBOT=$(realpath "$BUILD/bot/costbot")
GEN=$BUILD/tests/bench/bench_generate_focus

if [ -n "${WORK:-}" ]; then mkdir -p "$WORK"; work=$WORK; else work=$(mktemp -d "${TMPDIR:-/tmp}/costbot-s3-bench.XXXXXX"); fi
emulator_pid=
cleanup() {
  if [ -n "$emulator_pid" ]; then kill "$emulator_pid" 2>/dev/null || true; wait "$emulator_pid" 2>/dev/null || true; fi
  if [ -z "${WORK:-}" ]; then rm -rf "$work"; fi
}
trap cleanup EXIT

echo "generating $ROWS rows ($DAYS days, $RESOURCES resources) in $work ..."
info=$("$GEN" "$work/focus.csv" "$ROWS" "$DAYS" "$RESOURCES")
gzip -f -k "$work/focus.csv"
echo "  $info; $(stat -c %s "$work/focus.csv") bytes, $(stat -c %s "$work/focus.csv.gz") gzipped"

# The S3 emulator behind the verifying proxy (npm ci in tests/aws on first use).
(cd tests/aws && { [ -d node_modules/s3rver ] || npm ci --no-audit --no-fund --loglevel=error; })
mkdir -p "$work/s3"
NODE_OPTIONS=--openssl-legacy-provider node tests/aws/s3_verifying_proxy.mjs --dir "$work/s3" --bucket billing \
  --key "AKIDBENCH:bench/secret" --region us-east-1 >"$work/emulator.out" 2>"$work/emulator.err" &
emulator_pid=$!
for _ in $(seq 1 600); do grep -q '"proxy"' "$work/emulator.out" 2>/dev/null && break; sleep 0.1; done
proxy_port=$(sed -n 's/.*"proxy":\([0-9]*\).*/\1/p' "$work/emulator.out")
s3rver_port=$(sed -n 's/.*"s3rver":\([0-9]*\).*/\1/p' "$work/emulator.out")
[ -n "$proxy_port" ] || { cat "$work/emulator.err" >&2; exit 1; }
curl -sf -X PUT --data-binary @"$work/focus.csv.gz" "http://127.0.0.1:$s3rver_port/billing/bench/focus-00001.csv.gz" >/dev/null

export BENCH_KEY=AKIDBENCH BENCH_SECRET=bench/secret S3RVER_KEY=S3RVER S3RVER_SECRET=S3RVER
# Runs one ingest into a fresh database under /usr/bin/time -v; prints "rows wall_s rss_kb".
measure() {
  local name=$1
  shift
  rm -f "$work/$name.db"
  /usr/bin/time -v "$COSTBOT" --db "$work/$name.db" ingest --source focus "$@" >"$work/$name.out" 2>"$work/$name.time" ||
    { cat "$work/$name.out" "$work/$name.time" >&2; exit 1; }
  local wall rss rows
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/$name.time" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/$name.time")
  rows=$(sqlite3 "$work/$name.db" "SELECT COALESCE(SUM(rows_read), 0) FROM ingest_runs WHERE status = 'succeeded'")
  echo "$rows $wall $rss"
}
report() {
  read -r rows wall rss <<<"$2"
  printf '%-34s %9s rows  %7.2f s  %9.0f rows/s  peak RSS %6.1f MiB\n' "$1" "$rows" "$wall" \
    "$(awk -v r="$rows" -v w="$wall" 'BEGIN { print (w > 0 ? r / w : 0) }')" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')"
}

disk=$(measure disk "$work/focus.csv.gz")
proxied=$(measure s3-verified "s3://billing/bench/?endpoint=http://127.0.0.1:$proxy_port&access_key_id_env=BENCH_KEY&secret_access_key_env=BENCH_SECRET")
direct=$(measure s3-direct "s3://billing/bench/?endpoint=http://127.0.0.1:$s3rver_port&access_key_id_env=S3RVER_KEY&secret_access_key_env=S3RVER_SECRET")

echo
report "disk (focus.csv.gz)" "$disk"
report "S3, through the verifying proxy" "$proxied"
report "S3, s3rver directly" "$direct"

totals=$(for db in disk s3-verified s3-direct; do sqlite3 "$work/$db.db" "SELECT printf('%.4f', SUM(billed_cost)) FROM cost_daily"; done | sort -u)
if [ "$(wc -l <<<"$totals")" -eq 1 ]; then echo "PASS: the three stores hold the same billed total ($totals)"; else echo "FAIL: totals differ: $totals"; exit 1; fi
