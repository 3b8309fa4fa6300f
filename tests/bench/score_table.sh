#!/usr/bin/env bash
# Scores detector outputs side by side (nab_score.py --optimize --json) and prints one table.
#   score_table.sh LABELS_DIR RESULTS_ROOT SPLIT...
# RESULTS_ROOT holds one directory per detector (costbot, rolling-z), each mirroring the data dir;
# SPLIT is A, B (the fixed halves, see nab_score.py), artificial, real (the category halves) or all.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
labels="$1"
results="$2"
shift 2
rows=()
for split in "$@"; do
  for detector in costbot rolling-z; do
    args=(--results "$results/$detector" --nab "$labels" --optimize --json --label "$detector $split")
    [ "$split" = all ] || args+=(--split "$split")
    rows+=("$(/usr/bin/python3 "$here/nab_score.py" "${args[@]}")")
  done
done
/usr/bin/python3 - "${rows[@]}" <<'PY'
import json, sys
rows = [json.loads(a) for a in sys.argv[1:]]
print(f"\n{'detector / split':22s} {'swept':>6s} {'as is':>6s} {'windows':>9s} {'recall':>7s} {'normal flagged':>15s} {'recall @<=5% normal':>20s}")
for r in rows:
    own, swept, at5 = r["is_anomaly"], r["swept"], r.get("recall_at_5pct")
    at5_text = f"{100 * at5['recall']:.1f}%" if at5 else "-"
    print(f"{r['label']:22s} {swept['score']:6.1f} {own['score']:6.1f} {own['detected']:4d}/{own['windows']:<4d} "
          f"{100 * own['recall']:6.1f}% {100 * own['normal_flagged']:14.2f}% {at5_text:>20s}")
    kinds = own.get("by_kind", {})
    if len(kinds) > 1:
        print("    " + ", ".join(f"{k} {h}/{n}" for k, (h, n) in sorted(kinds.items())))
PY
