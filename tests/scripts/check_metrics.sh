#!/usr/bin/env bash
# Checks the metrics exposition with promtool (Debian package prometheus): the populated sample must
# pass `promtool check metrics` with no lint message, and broken variants of it must fail, so the
# check itself is known to bite.
#   check_metrics.sh SAMPLE_PROGRAM
set -euo pipefail
sample_program=$1
command -v promtool >/dev/null || { echo "promtool not found: install the Debian package prometheus (deploy/install-deps.sh)"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$sample_program" >"$work/metrics.txt"
for family in costbot_http_requests_total costbot_http_request_duration_seconds costbot_ingest_rows_total \
              costbot_findings_total costbot_outbox_effects costbot_outbox_retries_total costbot_job_duration_seconds; do
  grep -q "^# TYPE $family " "$work/metrics.txt" || { echo "missing family $family"; exit 1; }
done
grep -q '^costbot_outbox_effects{status="pending"} 2$' "$work/metrics.txt" &&
  grep -q '^costbot_outbox_effects{status="in_flight"} 1$' "$work/metrics.txt" || { echo "outbox depth not read from the database"; exit 1; }

if ! out=$(promtool check metrics <"$work/metrics.txt" 2>&1) || [ -n "$out" ]; then
  echo "promtool check metrics rejected the exposition:"; echo "$out"; exit 1
fi
echo "promtool: $(grep -c -v '^#' "$work/metrics.txt") samples OK"

expect_rejected() {  # description, file
  if promtool check metrics <"$2" >/dev/null 2>&1; then echo "promtool accepted $1: the check cannot fail"; exit 1; fi
}
sed 's/^costbot_findings_total/costbot_findings/; s/ costbot_findings_total / costbot_findings /' "$work/metrics.txt" >"$work/no-suffix.txt"
expect_rejected "a counter without _total" "$work/no-suffix.txt"
sed '0,/\\"route\\"/s/\\"route\\"/"route"/' "$work/metrics.txt" >"$work/unescaped.txt"
expect_rejected "an unescaped quote in a label value" "$work/unescaped.txt"
echo "promtool rejects broken variants: OK"
