#!/usr/bin/env bash
# 100,000 daily series x 365 days through the statistical detector, side by side in one run with
# Python baselines on the same data: statsmodels STL (robust, period 7) and a numpy rolling z-score.
#   tests/bench/bench_detect.sh [N] [DAYS]
#   STL_SERIES=2000 (default): how many of the N series STL scores (0 = all; ~100 series/s)
#   BENCH_DETECT_BIN=path: use this bench_detect instead of building build-bench/
# Builds build-bench/ (Release, -DCOSTBOT_BENCH=ON) when needed. Data goes to $TMPDIR.
#
# statsmodels without installing it: Debian's python3-statsmodels cannot sit beside the build's
# Boost (python3-scipy pulls libboost1.74-dev, which conflicts with libboost1.81-dev). So its .debs,
# and those of its Python dependencies that are not installed, are fetched with `apt-get download`
# and unpacked with `dpkg -x` into build-bench/pydeps (never installed, never committed); only the
# STL run sees them, through PYTHONPATH and LD_LIBRARY_PATH. If that fails the table says so and
# the other rows still run.
set -euo pipefail
cd "$(dirname "$0")/../.."
n="${1:-100000}"
days="${2:-365}"
stl_series="${STL_SERIES:-2000}"
# BENCH_DETECT_BIN: a bench_detect built elsewhere (e.g. by hand with release flags on a machine
# whose compile slots are busy); build-bench is then only a place for pydeps.
bin="${BENCH_DETECT_BIN:-build-bench/tests/bench/bench_detect}"
if [ -z "${BENCH_DETECT_BIN:-}" ]; then
  if [ ! -x build-bench/tests/bench/bench_detect ]; then
    cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DCOSTBOT_BENCH=ON -DCOSTBOT_TESTS=OFF >/dev/null
  fi
  cmake --build build-bench --target bench_detect -j2 >/dev/null
fi
mkdir -p build-bench
data="${TMPDIR:-/tmp}/costbot-bench-$n-$days.f64"
[ -f "$data" ] || "$bin" generate "$data" "$n" "$days"

# Unpacks statsmodels and the missing parts of its stack into build-bench/pydeps; prints why not
# when it cannot.
pydeps="$PWD/build-bench/pydeps"
stl_ready() {
  if [ ! -f "$pydeps/.complete" ]; then
    rm -rf "$pydeps"
    mkdir -p "$pydeps/debs" "$pydeps/root"
    local want=() p
    for p in python3-statsmodels python3-statsmodels-lib python3-scipy python3-patsy python3-pandas \
             python3-pandas-lib python3-dateutil python3-tz python3-packaging python3-decorator python3-six \
             liblbfgsb0; do
      dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || want+=("$p")
    done
    if ! (cd "$pydeps/debs" && apt-get download "${want[@]}") >"$pydeps/download.log" 2>&1; then
      echo "apt-get download failed (see $pydeps/download.log; an 'apt-get update' may help)"
      return 1
    fi
    for deb in "$pydeps"/debs/*.deb; do dpkg -x "$deb" "$pydeps/root" || { echo "dpkg -x $deb failed"; return 1; }; done
    touch "$pydeps/.complete"
  fi
  if ! stl_python -c 'from statsmodels.tsa.seasonal import STL' >"$pydeps/import.log" 2>&1; then
    echo "statsmodels does not import from $pydeps/root ($(tail -1 "$pydeps/import.log"))"
    return 1
  fi
}
stl_python() {
  PYTHONPATH="$pydeps/root/usr/lib/python3/dist-packages" \
    LD_LIBRARY_PATH="$pydeps/root/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" /usr/bin/python3 "$@"
}
stl_note=""
stl_note=$(stl_ready) || true

"$bin" run "$data" "$n" "$days" 2 >/dev/null  # warm the page cache
echo "# $n series x $days days ($(du -h "$data" | cut -f1) of float64), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
rows=()
rows+=("$("$bin" run "$data" "$n" "$days" 1)")
rows+=("$("$bin" run "$data" "$n" "$days" 2)")
rows+=("$("$bin" run "$data" "$n" "$days" 1 --single)")
rows+=("$("$bin" run "$data" "$n" "$days" 2 --single)")
rows+=("$("$bin" run "$data" "$n" "$days" 1 --full)")
rows+=("$(/usr/bin/python3 tests/bench/bench_detect_baseline.py "$data" "$n" "$days")")
rows+=("$(/usr/bin/python3 tests/bench/bench_detect_baseline.py "$data" "$n" "$days" --vectorized)")
if [ -z "$stl_note" ]; then
  rows+=("$(stl_python tests/bench/bench_detect_baseline.py "$data" "$n" "$days" --method stl --limit "$stl_series")")
else
  echo "# STL baseline skipped: $stl_note"
fi
printf '%s\n' "${rows[@]}"
/usr/bin/python3 - "${rows[@]}" <<'PY'
import json, sys
rows = [json.loads(a) for a in sys.argv[1:]]
def find(prefix):
    return next((r for r in rows if r["impl"].startswith(prefix)), None)
numpy = find("python numpy rolling z-score, per series")
stl = find("python statsmodels")
def ratio(r, base, key, fmt):
    return format(r[key] / base[key], fmt) + "x" if base else "-"
# Wall clock is what a user waits for; CPU seconds are the work done, which a busy (shared)
# machine does not distort as much. Ratios are given for both.
print(f"\n{'implementation':80s} {'series':>7s} {'series/s':>9s} {'x numpy':>8s} {'x STL':>7s} "
      f"{'series/cpu-s':>12s} {'x numpy':>8s} {'x STL':>7s} {'peak RSS':>8s} {'flagged':>8s}")
for r in rows:
    print(f"{r['impl']:80s} {r['series']:>7d} {r['series_per_s']:>9.0f} {ratio(r, numpy, 'series_per_s', '.1f'):>8s} "
          f"{ratio(r, stl, 'series_per_s', '.0f'):>7s} {r['series_per_cpu_s']:>12.0f} "
          f"{ratio(r, numpy, 'series_per_cpu_s', '.1f'):>8s} {ratio(r, stl, 'series_per_cpu_s', '.0f'):>7s} "
          f"{r['peak_rss_mb']:>6.0f}MB {r['flagged']:>8d}")
PY
