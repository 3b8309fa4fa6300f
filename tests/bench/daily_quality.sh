#!/usr/bin/env bash
# The daily cost quality run (issue 14): labelled series from tests/support/daily_cost_generator
# (180 days, $10-$100/day, weekly patterns, 2-5% noise, spikes, level shifts up and down, drifts,
# runaway growth, idle flatlines, and month-end / holiday hard negatives), written as a NAB-shaped
# corpus; `costbot detect-series` as shipped (auto profile -> daily cost detector, no dollar floor)
# and a rolling z-score beside it; both scored with the NAB standard profile and per kind.
#   tests/bench/daily_quality.sh [COUNT] [tuning|report]...   (default: 300 series, both seed sets)
# Only the "report" seeds give reported figures; "tuning" seeds are the ones set aside for tuning.
# Builds build-bench/ (Release, -DCOSTBOT_BENCH=ON) when needed; BENCH_BUILD=DIR uses another build
# tree configured with -DCOSTBOT_BENCH=ON (e.g. your RelWithDebInfo build). Data goes to $TMPDIR.
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"
count="${1:-300}"
shift || true
sets=("$@")
[ ${#sets[@]} -gt 0 ] || sets=(tuning report)
bdir="${BENCH_BUILD:-build-bench}"
if [ ! -f "$bdir/build.ninja" ]; then
  cmake -S . -B "$bdir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCOSTBOT_BENCH=ON -DCOSTBOT_TESTS=OFF >/dev/null
fi
cmake --build "$bdir" --target costbot bench_daily_corpus -j2 >/dev/null
for set in "${sets[@]}"; do
  dir="${TMPDIR:-/tmp}/costbot-daily-$set-$count"
  rm -rf "$dir"
  "$bdir"/tests/bench/bench_daily_corpus "$dir" "$set" "$count"
  mkdir -p "$dir/results/costbot" "$dir/results/rolling-z"
  for f in "$dir"/data/*/*.csv; do
    rel="${f#"$dir"/data/}"
    mkdir -p "$dir/results/costbot/$(dirname "$rel")"
    "$bdir"/bot/costbot --config "$root/config/costbot.example.yaml" detect-series --input "$f" \
      --output "$dir/results/costbot/$rel" 2>>"$dir/results/detect-series.log"
  done
  /usr/bin/python3 tests/bench/rolling_z_series.py "$dir/data" "$dir/results/rolling-z"
  echo "== $set seeds ($count series)"
  tests/bench/score_table.sh "$dir" "$dir/results" all
done
