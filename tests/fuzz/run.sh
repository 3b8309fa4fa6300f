#!/usr/bin/env bash
# Runs libFuzzer targets for a while each and prints one line of numbers per target.
#   tests/fuzz/run.sh BUILD_DIR OUT_DIR SECONDS TARGET...
# Each target starts from its seed corpus (tests/fuzz/corpus/<target>, never written) and keeps
# what it finds in OUT_DIR/<target>/corpus; crashing inputs go to OUT_DIR/<target>/crash-*, the
# whole log to OUT_DIR/<target>/log. See tests/fuzz/README.md.
set -uo pipefail
build=$1 out=$2 seconds=$3
shift 3
src=$(cd "$(dirname "$0")" && pwd)
for t in "$@"; do
  mkdir -p "$out/$t/corpus"
  nice -n 19 "$build/tests/fuzz/$t" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=25 -print_final_stats=1 \
    -artifact_prefix="$out/$t/" "$out/$t/corpus" "$src/corpus/$t" >"$out/$t/log" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t/log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$out/$t/log")
  cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$out/$t/log" | tail -1)
  crashes=$(find "$out/$t" -maxdepth 1 \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  echo "$t: exit $rc, ${runs:-?} executions, ${rate:-?} exec/s, $cov, $crashes crash/leak/timeout/oom inputs"
done
