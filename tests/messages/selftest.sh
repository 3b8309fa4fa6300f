#!/usr/bin/env bash
# The checker checks: the good messages pass, and each bad one fails for the reason in EXPECTED.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
check="$here/check-messages"
"$check" --slack "$here/selftest/good/slack-alert.json" --teams "$here/selftest/good/teams-activity.json" \
  --jira "$here/selftest/good/jira-create.json"
status=0
while IFS=$'\t' read -r file expected; do
  case "$file" in ''|'#'*) continue ;; esac
  kind=${file%%-*}
  if out=$("$check" "--$kind" "$here/selftest/bad/$file" 2>&1); then
    echo "NOT CAUGHT: $file passed"; status=1
  elif ! grep -qF -- "$expected" <<<"$out"; then
    echo "WRONG REASON: $file: expected \"$expected\", got:"; echo "$out"; status=1
  else
    echo "caught $file"
  fi
done <"$here/selftest/EXPECTED"
exit $status
