#!/usr/bin/env bash
# Pulling a billing export from S3 vs reading the same file from disk (issue 13), side by side in
# one run, as shipped (default flags, no config):
#   1. bench_generate_focus writes ROWS FOCUS rows and gzips them, as AWS delivers exports. With
#      SHAPES set (high-cardinality, hourly: the realistic estates of tests/support/
#      estate_generator.hpp) one file per shape and seed; with SHAPES="" the plain generator
#      (hourly rows cycling through RESOURCES resources over DAYS days; no seed).
#   2. s3rver (npm) starts with tests/aws/s3_verifying_proxy.mjs in front (every request's SigV4
#      recomputed with @smithy/signature-v4 and refused on a mismatch); the file is put into it.
#   3. `costbot ingest` into a fresh database from disk, from S3 through the verifying proxy and
#      from s3rver directly, REPEAT times per file, the order rotating each time.
#   4. prints each run (rows/s by wall time, CPU seconds, peak RSS) and, per target, the ratio to
#      the disk run of the same repetition: median and min..max. Every run must store the same
#      billed total as the disk run (checked).
# The machine is shared: the ratios count, and CPU time (costbot's own user+sys) is the steadier
# one; the verifying proxy's CPU (node) shows only in wall time.
#
#   bash tests/bench/s3_ingest_bench.sh
#   ROWS=1000000 SHAPES="high-cardinality" SEEDS="1 2 3" REPEAT=2 WORK=/work/tmp/x \
#   COSTBOT_BIN=path/costbot GEN_BIN=path/bench_generate_focus bash tests/bench/s3_ingest_bench.sh
#   SHAPES="" DAYS=90 RESOURCES=3000 ...     the plain generator
set -euo pipefail
cd "$(dirname "$0")/../.."

ROWS=${ROWS:-1000000}
SHAPES=${SHAPES-high-cardinality}
SEEDS=${SEEDS:-1 2 3}
REPEAT=${REPEAT:-2}
DAYS=${DAYS:-90}
RESOURCES=${RESOURCES:-3000}
BUILD=${BUILD:-build-bench}

if [ -n "${COSTBOT_BIN:-}" ] && [ -n "${GEN_BIN:-}" ]; then  # binaries built (and copied) beforehand
  COSTBOT=$(realpath "$COSTBOT_BIN")
  GEN=$GEN_BIN
else
  if [ ! -x "$BUILD/bot/costbot" ] || [ ! -x "$BUILD/tests/bench/bench_generate_focus" ]; then
    cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOSTBOT_BENCH=ON >/dev/null
    cmake --build "$BUILD" -j2 --target costbot bench_generate_focus >/dev/null
  fi
  COSTBOT=$(realpath "$BUILD/bot/costbot")
  GEN=$BUILD/tests/bench/bench_generate_focus
fi

if [ -n "${WORK:-}" ]; then mkdir -p "$WORK"; work=$WORK; else work=$(mktemp -d "${TMPDIR:-/tmp}/costbot-s3-bench.XXXXXX"); fi
emulator_pid=
cleanup() {
  if [ -n "$emulator_pid" ]; then kill "$emulator_pid" 2>/dev/null || true; wait "$emulator_pid" 2>/dev/null || true; fi
  if [ -z "${WORK:-}" ]; then rm -rf "$work"; else rm -f "$work"/*.db "$work"/focus.csv "$work"/focus.csv.gz; fi
}
trap cleanup EXIT

# The S3 emulator behind the verifying proxy (npm ci in tests/aws on first use).
(cd tests/aws && { [ -f node_modules/.costbot-installed ] || { npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.costbot-installed; }; })
mkdir -p "$work/s3"
NODE_OPTIONS=--openssl-legacy-provider node tests/aws/s3_verifying_proxy.mjs --dir "$work/s3" --bucket billing \
  --key "AKIDBENCH:bench/secret" --region us-east-1 >"$work/emulator.out" 2>"$work/emulator.err" &
emulator_pid=$!
for _ in $(seq 1 600); do grep -q '"proxy"' "$work/emulator.out" 2>/dev/null && break; sleep 0.1; done
proxy_port=$(sed -n 's/.*"proxy":\([0-9]*\).*/\1/p' "$work/emulator.out")
s3rver_port=$(sed -n 's/.*"s3rver":\([0-9]*\).*/\1/p' "$work/emulator.out")
[ -n "$proxy_port" ] || { cat "$work/emulator.err" >&2; exit 1; }

export BENCH_KEY=AKIDBENCH BENCH_SECRET=bench/secret S3RVER_KEY=S3RVER S3RVER_SECRET=S3RVER
location_of() {
  case $1 in
    disk) echo "$work/focus.csv.gz" ;;
    s3-verified) echo "s3://billing/$2/?endpoint=http://127.0.0.1:$proxy_port&access_key_id_env=BENCH_KEY&secret_access_key_env=BENCH_SECRET" ;;
    s3-direct) echo "s3://billing/$2/?endpoint=http://127.0.0.1:$s3rver_port&access_key_id_env=S3RVER_KEY&secret_access_key_env=S3RVER_SECRET" ;;
  esac
}
# One ingest into a fresh database; prints "rows wall_s cpu_s rss_kb billed".
measure() {
  rm -f "$work/run.db"
  /usr/bin/time -f '%e %U %S %M' -o "$work/time.txt" "$COSTBOT" --db "$work/run.db" ingest --source focus "$1" \
    >"$work/run.out" 2>&1 || { cat "$work/run.out" >&2; exit 1; }
  local rows billed
  rows=$(sqlite3 "$work/run.db" "SELECT COALESCE(SUM(rows_read), 0) FROM ingest_runs WHERE status = 'succeeded'")
  billed=$(sqlite3 "$work/run.db" "SELECT printf('%.4f', SUM(billed_cost)) FROM cost_daily")
  awk -v r="$rows" -v b="$billed" '{ printf "%s %s %.2f %s %s\n", r, $1, $2 + $3, $4, b }' "$work/time.txt"
}

targets=(disk s3-verified s3-direct)
results=$work/results.tsv
: >"$results"
files=()
if [ -n "$SHAPES" ]; then
  for shape in $SHAPES; do for seed in $SEEDS; do files+=("$shape:$seed"); done; done
else
  files=("plain-${DAYS}d-${RESOURCES}r:-")
fi
index=0
for file in "${files[@]}"; do
  shape=${file%%:*} seed=${file##*:}
  index=$((index + 1))
  if [ -n "$SHAPES" ]; then
    info=$("$GEN" --shape "$shape" --rows "$ROWS" --seed "$seed" "$work/focus.csv")
  else
    info=$("$GEN" "$work/focus.csv" "$ROWS" "$DAYS" "$RESOURCES")
  fi
  gzip -f -k "$work/focus.csv"
  echo "== $shape seed $seed: $info; $(stat -c %s "$work/focus.csv.gz") bytes gzipped"
  prefix="bench-$shape-$seed"
  curl -sf -X PUT --data-binary @"$work/focus.csv.gz" "http://127.0.0.1:$s3rver_port/billing/$prefix/focus-00001.csv.gz" >/dev/null
  for ((rep = 0; rep < REPEAT; rep++)); do
    for ((k = 0; k < 3; k++)); do
      target=${targets[$(((k + rep + index) % 3))]}
      line=$(measure "$(location_of "$target" "$prefix")") || exit 1
      read -r rows wall cpu rss billed <<<"$line"
      printf '   %-12s rep %d  %8s rows  %7.2f s wall  %7.2f s CPU  %9.0f rows/s  peak RSS %6.1f MiB  billed %s\n' \
        "$target" "$rep" "$rows" "$wall" "$cpu" "$(awk -v r="$rows" -v w="$wall" 'BEGIN { print (w > 0 ? r / w : 0) }')" \
        "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')" "$billed"
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$file" "$rep" "$target" "$rows" "$wall" "$cpu" "$rss" "$billed" >>"$results"
    done
  done
  rm -f "$work/focus.csv" "$work/focus.csv.gz"
  curl -sf -X DELETE "http://127.0.0.1:$s3rver_port/billing/$prefix/focus-00001.csv.gz" >/dev/null || true
done

echo
python3 - "$results" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    file, rep, target, rows, wall, cpu, rss, billed = line.rstrip("\n").split("\t")
    runs[(file, rep, target)] = (int(rows), float(wall), float(cpu), int(rss), billed)
bad = [k for k in runs if runs[k][4] != runs[(k[0], k[1], "disk")][4] or runs[k][0] != runs[(k[0], k[1], "disk")][0]]
for target in ("s3-verified", "s3-direct"):
    wall, cpu, rss = [], [], []
    for (file, rep, t), (rows, w, c, r, _) in runs.items():
        if t != target: continue
        d = runs[(file, rep, "disk")]
        wall.append((rows / w) / (d[0] / d[1]))
        cpu.append(d[2] / c)
        rss.append((r - d[3]) / 1024)
    fmt = lambda v: f"{statistics.median(v):.2f}x ({min(v):.2f}..{max(v):.2f})"
    print(f"{target:12} vs disk, {len(wall)} pairs: rows/s by wall {fmt(wall)}, by CPU {fmt(cpu)}, "
          f"peak RSS {statistics.median(rss):+.1f} MiB ({min(rss):+.1f}..{max(rss):+.1f})")
print("FAIL: rows or billed totals differ from the disk run: %s" % bad if bad else
      "PASS: every run stored the rows and the billed total of its disk run")
sys.exit(1 if bad else 0)
PY
