#!/usr/bin/env bash
# Ingestion benchmark, in one run:
#   1. builds a 2,000,000-row and a 100,000-row FOCUS file from the bundled sample
#      (bench_generate_focus: hourly charge periods over 90 days for 3,000 resources),
#   2. times `costbot ingest` of the 2M file into a fresh database (rows/s, wall time, peak RSS)
#      side by side with the sqlite3 CLI's raw `.import` of the same file into a plain table,
#   3. compares costbot's peak RSS for 100k vs 2M rows,
#   4. checks the ingested totals against the generator's, and prints PASS/FAIL per target:
#      costbot >= 3x sqlite3 .import rows/s (stretch 5x), RSS(2M) <= 1.5 x RSS(100k).
# Generated files live in a temp dir that is removed at the end.
#
#   bash tests/bench/ingest_bench.sh            (ROWS=2000000 SMALL_ROWS=100000 REPEAT=1 to change)
set -euo pipefail
cd "$(dirname "$0")/../.."

ROWS=${ROWS:-2000000}
SMALL_ROWS=${SMALL_ROWS:-100000}
REPEAT=${REPEAT:-1}
BUILD=${BUILD:-build-bench}

cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOSTBOT_BENCH=ON -DCOSTBOT_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j2 --target costbot bench_generate_focus >/dev/null
COSTBOT=$BUILD/bot/costbot
GEN=$BUILD/tests/bench/bench_generate_focus

work=$(mktemp -d "${TMPDIR:-/tmp}/costbot-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "generating $ROWS and $SMALL_ROWS rows in $work ..."
big_info=$("$GEN" "$work/focus_big.csv" "$ROWS")
"$GEN" "$work/focus_small.csv" "$SMALL_ROWS" >/dev/null
big_bytes=$(stat -c %s "$work/focus_big.csv")
expected_billed=$(sed -n 's/.*billed=\([0-9.]*\).*/\1/p' <<<"$big_info")

# Runs a command under /usr/bin/time -v; prints "wall_seconds max_rss_kb".
measure() {
  local out=$work/time.txt
  /usr/bin/time -v "$@" >"$work/cmd.out" 2>"$out" || { cat "$work/cmd.out" "$out" >&2; exit 1; }
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$out" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$out")
  echo "$wall $rss"
}

best() {  # best (lowest) wall time of REPEAT runs of a measurement function; echoes "wall rss"
  local fn=$1 best_wall="" best_rss=""
  for _ in $(seq "$REPEAT"); do
    read -r w r < <($fn)
    if [ -z "$best_wall" ] || awk "BEGIN{exit !($w < $best_wall)}"; then best_wall=$w; best_rss=$r; fi
  done
  echo "$best_wall $best_rss"
}

costbot_big() { rm -f "$work"/big.db*; measure "$COSTBOT" --db "$work/big.db" ingest --source focus "$work/focus_big.csv"; }
costbot_small() { rm -f "$work"/small.db*; measure "$COSTBOT" --db "$work/small.db" ingest --source focus "$work/focus_small.csv"; }
sqlite_import() {
  rm -f "$work"/import.db*
  measure sqlite3 "$work/import.db" ".mode csv" ".import $work/focus_big.csv focus"
}

echo "costbot ingest of $ROWS rows ..."
read -r cb_wall cb_rss < <(best costbot_big)
echo "sqlite3 .import of the same file ..."
read -r sq_wall sq_rss < <(best sqlite_import)
imported=$(sqlite3 "$work/import.db" "SELECT COUNT(*) FROM focus")
rm -f "$work"/import.db*
echo "costbot ingest of $SMALL_ROWS rows ..."
read -r small_wall small_rss < <(best costbot_small)

ingested_billed=$("$COSTBOT" --db "$work/big.db" costs --by provider --format json |
  python3 -c 'import json,sys; print("%.2f" % json.load(sys.stdin)["total"]["billed_cost"])')
ingested_rows=$(sqlite3 "$work/big.db" "SELECT SUM(row_count) FROM cost_daily")
daily_rows=$(sqlite3 "$work/big.db" "SELECT COUNT(*) FROM cost_daily")

python3 - "$ROWS" "$big_bytes" "$cb_wall" "$cb_rss" "$sq_wall" "$sq_rss" "$imported" "$SMALL_ROWS" "$small_wall" \
  "$small_rss" "$expected_billed" "$ingested_billed" "$ingested_rows" "$daily_rows" <<'PY'
import sys
(rows, size, cb_wall, cb_rss, sq_wall, sq_rss, imported, small_rows, small_wall, small_rss, expected, ingested,
 ingested_rows, daily_rows) = sys.argv[1:]
rows, size, imported, small_rows = int(rows), int(size), int(imported), int(small_rows)
cb_wall, sq_wall, small_wall = float(cb_wall), float(sq_wall), float(small_wall)
cb_rss, sq_rss, small_rss = int(cb_rss), int(sq_rss), int(small_rss)
cb_rate, sq_rate = rows / cb_wall, imported / sq_wall
speedup, rss_ratio = cb_rate / sq_rate, cb_rss / small_rss
print()
print(f"file: {rows:,} rows, {size / 1e6:,.0f} MB (FOCUS 1.0 CSV)")
print(f"{'':28}{'wall s':>9}{'rows/s':>12}{'peak RSS MB':>13}")
print(f"{'costbot ingest (2M)':28}{cb_wall:9.2f}{cb_rate:12,.0f}{cb_rss / 1024:13.1f}")
print(f"{'sqlite3 .import (2M)':28}{sq_wall:9.2f}{sq_rate:12,.0f}{sq_rss / 1024:13.1f}")
print(f"{'costbot ingest (100k)':28}{small_wall:9.2f}{small_rows / small_wall:12,.0f}{small_rss / 1024:13.1f}")
print(f"costbot stored {int(daily_rows):,} daily rows from {int(ingested_rows):,} billing rows; "
      f"billed total {ingested} (generator wrote {float(expected):.2f})")
ok_rows = int(ingested_rows) == rows and abs(float(ingested) - float(expected)) < 0.01
ok_speed, stretch, ok_rss = speedup >= 3, speedup >= 5, rss_ratio <= 1.5
print(f"speed: {speedup:.2f}x sqlite3 .import   target >= 3x: {'PASS' if ok_speed else 'FAIL'}   "
      f"stretch >= 5x: {'PASS' if stretch else 'not reached'}")
print(f"memory: RSS(2M) / RSS(100k) = {rss_ratio:.2f}   target <= 1.5: {'PASS' if ok_rss else 'FAIL'}")
print(f"totals: {'PASS' if ok_rows else 'FAIL'}")
sys.exit(0 if ok_speed and ok_rss and ok_rows else 1)
PY
