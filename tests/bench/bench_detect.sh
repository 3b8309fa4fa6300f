#!/usr/bin/env bash
# 100,000 daily series x 365 days through the statistical detector, side by side with a numpy
# rolling z-score baseline on the same data, in one run.
#   tests/bench/bench_detect.sh [N] [DAYS]
# Builds build-bench/ (Release, -DCOSTBOT_BENCH=ON) when needed. Data goes to $TMPDIR.
set -euo pipefail
cd "$(dirname "$0")/../.."
n="${1:-100000}"
days="${2:-365}"
if [ ! -x build-bench/tests/bench/bench_detect ]; then
  cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DCOSTBOT_BENCH=ON -DCOSTBOT_TESTS=OFF >/dev/null
fi
cmake --build build-bench --target bench_detect -j2 >/dev/null
bin=build-bench/tests/bench/bench_detect
data="${TMPDIR:-/tmp}/costbot-bench-$n-$days.f64"
[ -f "$data" ] || "$bin" generate "$data" "$n" "$days"
"$bin" run "$data" "$n" "$days" 1 >/dev/null  # warm the page cache
echo "# $n series x $days days ($(du -h "$data" | cut -f1) of float64), $(nproc) cores"
cpp1=$("$bin" run "$data" "$n" "$days" 1)
cpp2=$("$bin" run "$data" "$n" "$days" 2)
full=$("$bin" run "$data" "$n" "$days" 1 --full)
py=$(/usr/bin/python3 tests/bench/bench_detect_baseline.py "$data" "$n" "$days")
pyv=$(/usr/bin/python3 tests/bench/bench_detect_baseline.py "$data" "$n" "$days" --vectorized)
printf '%s\n' "$cpp1" "$cpp2" "$full" "$py" "$pyv"
/usr/bin/python3 - "$cpp1" "$cpp2" "$full" "$py" "$pyv" <<'PY'
import json, sys
rows = [json.loads(a) for a in sys.argv[1:]]
py = rows[3]["series_per_s"]
print(f"\n{'implementation':68s} {'series/s':>10s} {'x python per-series':>20s} {'peak RSS':>10s}")
for r in rows:
    print(f"{r['impl']:68s} {r['series_per_s']:>10.0f} {r['series_per_s'] / py:>19.1f}x {r['peak_rss_mb']:>8.0f}MB")
PY
