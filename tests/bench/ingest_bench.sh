#!/usr/bin/env bash
# Ingestion benchmark (issue 17), side by side in one run, as shipped (the example config, default
# flags): `costbot ingest --source focus FILE` into a fresh SQLite database vs the sqlite3 CLI's
# raw `.import` of the same file into a plain table.
#
# Data: a realistic estate from the bundled FOCUS sample (tests/support/estate_generator.hpp):
# resources that come and go, one to four SKU lines each, accounts split, tags per resource with
# re-tagging and untagged ones, heavy-tailed amounts with a weekly cycle and credits. Two shapes:
#   high-cardinality  ~40,000 resources over 90 days; most rows are their own resource-day-SKU key
#   hourly            CUR-like: 24 hourly line items per resource-day-SKU key
# For each shape and seed the file is generated once, then costbot and sqlite3 run REPEAT times,
# alternating which goes first; each pair gives one ratio (costbot rows/s / sqlite3 rows/s). The
# machine is shared, so the ratios are what counts: median and min..max over all pairs, for wall
# time and for CPU time (user+sys). Then peak RSS of costbot for SMALL_ROWS vs BIG_ROWS (seed 1).
# Each ingest is checked: every row stored, billed total equal to what the generator wrote.
#
#   bash tests/bench/ingest_bench.sh
#   ROWS=1000000 SEEDS="1 2 3" REPEAT=3 SHAPES="high-cardinality hourly" SMALL_ROWS=100000 \
#   BIG_ROWS=2000000 BUILD=build-bench WORK_DIR=/work/tmp/perf bash tests/bench/ingest_bench.sh
# BIG_ROWS=0 skips the memory check; COSTBOT_BIN + GEN_BIN use those binaries (no build);
# BASELINE_BIN=path/to/older/costbot also runs that binary in every repetition (before/after in one run). Generated files go under a temp dir in WORK_DIR (default
# $TMPDIR or /tmp; a 1M-row file is ~780 MB), removed at the end. Exits non-zero if a target fails.
set -euo pipefail
cd "$(dirname "$0")/../.."

ROWS=${ROWS:-1000000}
SEEDS=${SEEDS:-1 2 3}
REPEAT=${REPEAT:-3}
SHAPES=${SHAPES:-high-cardinality hourly}
SMALL_ROWS=${SMALL_ROWS:-100000}
BIG_ROWS=${BIG_ROWS:-2000000}
BUILD=${BUILD:-build-bench}

if [ -n "${COSTBOT_BIN:-}" ] && [ -n "${GEN_BIN:-}" ]; then  # binaries built (and copied) beforehand
  COSTBOT=$COSTBOT_BIN
  GEN=$GEN_BIN
else
  if [ -f "$BUILD/CMakeCache.txt" ]; then
    cmake "$BUILD" -DCOSTBOT_BENCH=ON >/dev/null
  else
    cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOSTBOT_BENCH=ON -DCOSTBOT_TESTS=OFF >/dev/null
  fi
  cmake --build "$BUILD" -j2 --target costbot bench_generate_focus >/dev/null
  COSTBOT=$BUILD/bot/costbot
  GEN=$BUILD/tests/bench/bench_generate_focus
fi

work=$(mktemp -d "${WORK_DIR:-${TMPDIR:-/tmp}}/costbot-ingest-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
results=$work/results.tsv
: >"$results"

# Runs a command under /usr/bin/time; prints "wall_s cpu_s max_rss_kb".
measure() {
  /usr/bin/time -f '%e %U %S %M' -o "$work/time.txt" "$@" >"$work/cmd.out" 2>&1 || {
    cat "$work/cmd.out" >&2
    echo "command failed: $*" >&2
    exit 1
  }
  awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$work/time.txt"
}

costbot_ingest() {  # FILE [BINARY] → "wall cpu rss"; leaves the database in $work/cb.db
  rm -f "$work"/cb.db*
  measure "${2:-$COSTBOT}" --db "$work/cb.db" ingest --source focus "$1"
}
sqlite_import() {
  rm -f "$work"/imp.db*
  measure sqlite3 "$work/imp.db" ".mode csv" ".import $1 focus"
}

# Checks the database costbot just wrote against the generator's totals.
check_totals() {  # ROWS BILLED
  local stored billed
  stored=$(sqlite3 "$work/cb.db" "SELECT SUM(row_count) FROM cost_daily")
  billed=$("$COSTBOT" --db "$work/cb.db" costs --by provider --format json |
    python3 -c 'import json,sys; print("%.2f" % json.load(sys.stdin)["total"]["billed_cost"])')
  if [ "$stored" != "$1" ] || ! awk -v a="$billed" -v b="$2" 'BEGIN { d = a - b; exit !(d < 0.01 && d > -0.01) }'; then
    echo "TOTALS WRONG: stored $stored rows, billed $billed; the generator wrote $1 rows, billed $2" >&2
    exit 1
  fi
}

for shape in $SHAPES; do
  for seed in $SEEDS; do
    file=$work/$shape-$seed.csv
    info=$("$GEN" --shape "$shape" --rows "$ROWS" --seed "$seed" "$file")
    rows=$(sed -n 's/.*rows=\([0-9]*\).*/\1/p' <<<"$info")
    billed=$(sed -n 's/.*billed=\([0-9.-]*\).*/\1/p' <<<"$info")
    echo "$shape seed $seed: $info"
    for r in $(seq "$REPEAT"); do
      base="- - -"
      if [ -n "${BASELINE_BIN:-}" ]; then
        base=$(costbot_ingest "$file" "$BASELINE_BIN")
        check_totals "$rows" "$billed"
      fi
      if [ $((r % 2)) -eq 1 ]; then
        cb=$(costbot_ingest "$file"); sq=$(sqlite_import "$file")
      else
        sq=$(sqlite_import "$file"); cb=$(costbot_ingest "$file")
      fi
      check_totals "$rows" "$billed"
      keys=$(sqlite3 "$work/cb.db" "SELECT COUNT(*) FROM cost_daily")
      imported=$(sqlite3 "$work/imp.db" "SELECT COUNT(*) FROM focus")
      [ "$imported" = "$rows" ] || { echo "sqlite3 imported $imported of $rows rows" >&2; exit 1; }
      echo "  run $r: costbot wall/cpu/rssKB $cb | sqlite3 $sq | baseline $base | $keys daily rows"
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$shape" "$seed" "$rows" "$keys" "$cb" "$sq" "$base" >>"$results"
    done
    rm -f "$file" "$work"/cb.db* "$work"/imp.db*
  done
done

memory=$work/memory.tsv
: >"$memory"
if [ "$BIG_ROWS" -gt 0 ]; then
  for shape in $SHAPES; do
    for n in "$SMALL_ROWS" "$BIG_ROWS"; do
      file=$work/$shape-mem-$n.csv
      info=$("$GEN" --shape "$shape" --rows "$n" --seed 1 "$file")
      rows=$(sed -n 's/.*rows=\([0-9]*\).*/\1/p' <<<"$info")
      billed=$(sed -n 's/.*billed=\([0-9.-]*\).*/\1/p' <<<"$info")
      cb=$(costbot_ingest "$file")
      check_totals "$rows" "$billed"
      echo "memory $shape $n rows: costbot wall/cpu/rssKB $cb"
      printf '%s\t%s\t%s\n' "$shape" "$n" "$cb" >>"$memory"
      rm -f "$file" "$work"/cb.db*
    done
  done
fi

python3 - "$results" "$memory" <<'PY'
import statistics, sys
runs, by_shape = [], {}
for line in open(sys.argv[1]):
    shape, seed, rows, keys, cb, sq, base = line.rstrip("\n").split("\t")
    cw, cc, cr = cb.split(); sw, sc, sr = sq.split(); bw, bc, br = base.split()
    r = dict(shape=shape, seed=seed, rows=int(rows), keys=int(keys), cw=float(cw), cc=float(cc), cr=int(cr),
             sw=float(sw), sc=float(sc), sr=int(sr), bw=None if bw == "-" else float(bw),
             bc=None if bc == "-" else float(bc))
    by_shape.setdefault(shape, []).append(r)

def spread(xs):
    return f"{statistics.median(xs):5.2f}x  ({min(xs):.2f}..{max(xs):.2f}, n={len(xs)})"

ok = True
print()
print("costbot ingest vs sqlite3 .import, same file, same run (ratio > 1: costbot faster)")
for shape, rs in by_shape.items():
    wall = [r["sw"] / r["cw"] for r in rs]
    cpu = [r["sc"] / r["cc"] for r in rs]
    seeds = sorted({r["seed"] for r in rs})
    print(f"\n{shape}: {rs[0]['rows']:,} rows, ~{statistics.mean(r['keys'] for r in rs):,.0f} daily keys, seeds {' '.join(seeds)}")
    print(f"  costbot  wall median {statistics.median(r['cw'] for r in rs):6.2f} s  "
          f"{statistics.median(r['rows'] / r['cw'] for r in rs):10,.0f} rows/s  cpu {statistics.median(r['cc'] for r in rs):6.2f} s  "
          f"peak RSS {max(r['cr'] for r in rs) / 1024:6.1f} MiB")
    print(f"  sqlite3  wall median {statistics.median(r['sw'] for r in rs):6.2f} s  "
          f"{statistics.median(r['rows'] / r['sw'] for r in rs):10,.0f} rows/s  cpu {statistics.median(r['sc'] for r in rs):6.2f} s")
    print(f"  speed (wall): {spread(wall)}   target >= 3x: {'PASS' if statistics.median(wall) >= 3 else 'FAIL'}"
          f"   stretch >= 5x: {'PASS' if statistics.median(wall) >= 5 else 'not reached'}")
    print(f"  speed (cpu):  {spread(cpu)}")
    if rs[0]["bw"] is not None:
        print(f"  baseline binary vs sqlite3 (wall): {spread([r['sw'] / r['bw'] for r in rs])}   "
              f"(cpu): {spread([r['sc'] / r['bc'] for r in rs])}")
        print(f"  costbot vs baseline binary (wall): {spread([r['bw'] / r['cw'] for r in rs])}   "
              f"(cpu): {spread([r['bc'] / r['cc'] for r in rs])}")
    for seed in seeds:
        w = [r["sw"] / r["cw"] for r in rs if r["seed"] == seed]
        print(f"    seed {seed}: wall ratios {' '.join(f'{x:.2f}' for x in w)}")
    ok = ok and statistics.median(wall) >= 3

mem = {}
for line in open(sys.argv[2]):
    shape, n, cb = line.rstrip("\n").split("\t")
    mem.setdefault(shape, []).append((int(n), int(cb.split()[2])))
for shape, pts in mem.items():
    (small_n, small_rss), (big_n, big_rss) = sorted(pts)
    ratio = big_rss / small_rss
    print(f"\nmemory {shape}: peak RSS {small_n:,} rows {small_rss / 1024:.1f} MiB, {big_n:,} rows {big_rss / 1024:.1f} MiB:"
          f" {ratio:.2f}x   target <= 1.5x: {'PASS' if ratio <= 1.5 else 'FAIL'}")
    ok = ok and ratio <= 1.5
sys.exit(0 if ok else 1)
PY
