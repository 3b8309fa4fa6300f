#!/usr/bin/env bash
# Runs `costbot detect-series` (as shipped: default flags, the example config) over every NAB file
# in ../shared/data/nab, and a naive rolling z-score beside it (rolling_z_series.py, window 28,
# |z| >= 3), then scores both with the NAB standard profile (nab_score.py): the threshold swept
# over anomaly_score (one threshold for all the files scored together, as NAB's scoreboard does)
# and is_anomaly as is, on each half of the fixed split (A: tuned on, B: held out) and on all.
#   tests/bench/nab_run.sh [COSTBOT_BINARY] [OUT_DIR]
# NAB_DIR=... scores another NAB-shaped directory (data/<category>/*.csv + labels/).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${1:-$root/build/bot/costbot}"
out="${2:-$root/build/nab-results}"
nab="${NAB_DIR:-$root/../shared/data/nab}"
rm -rf "$out"
mkdir -p "$out/costbot" "$out/rolling-z"
start=$(date +%s.%N)
for f in "$nab"/data/*/*.csv; do
  rel="${f#"$nab"/data/}"
  mkdir -p "$out/costbot/$(dirname "$rel")"
  "$bin" --config "$root/config/costbot.example.yaml" detect-series --input "$f" --output "$out/costbot/$rel" \
    2>>"$out/detect-series.log"
done
end=$(date +%s.%N)
echo "detect-series over $(ls "$nab"/data/*/*.csv | wc -l) files in $(echo "$end - $start" | bc) s"
/usr/bin/python3 "$here/rolling_z_series.py" "$nab/data" "$out/rolling-z"
"$here/score_table.sh" "$nab" "$out" A B all
