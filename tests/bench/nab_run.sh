#!/usr/bin/env bash
# Runs `costbot detect-series` over every NAB file in ../shared/data/nab and scores the outputs
# with the NAB standard profile (tests/bench/nab_score.py).
#   tests/bench/nab_run.sh [COSTBOT_BINARY] [OUT_DIR] [-- extra nab_score.py args]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${1:-$root/build/bot/costbot}"
out="${2:-$root/build/nab-results}"
shift $(( $# > 2 ? 2 : $# )) || true
[ "${1:-}" = "--" ] && shift
nab="${NAB_DIR:-$root/../shared/data/nab}"
rm -rf "$out"
start=$(date +%s.%N)
for f in "$nab"/data/*/*.csv; do
  rel="${f#"$nab"/data/}"
  mkdir -p "$out/$(dirname "$rel")"
  "$bin" detect-series --input "$f" --output "$out/$rel" 2>>"$out/detect-series.log"
done
end=$(date +%s.%N)
echo "detect-series over $(ls "$nab"/data/*/*.csv | wc -l) files in $(echo "$end - $start" | bc) s"
/usr/bin/python3 "$here/nab_score.py" --results "$out" --nab "$nab" "$@"
