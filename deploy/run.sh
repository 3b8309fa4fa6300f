#!/usr/bin/env bash
# The main job: install what is needed, build costbot, load the bundled FOCUS sample into a fresh
# database and print a cost summary.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${COSTBOT_SKIP_DEPS:-}" ]; then bash deploy/install-deps.sh; fi
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target costbot
db=${COSTBOT_DB:-build/costbot-sample.db}
rm -f "$db" "$db-wal" "$db-shm"
./build/bot/costbot --db "$db" ingest --source focus tests/fixtures/focus/focus_sample.csv
./build/bot/costbot --db "$db" costs --by provider
./build/bot/costbot --db "$db" costs --by service --limit 10
