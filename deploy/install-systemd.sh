#!/usr/bin/env bash
# Installs a built costbot as a systemd service (see deploy/costbot.service):
#   /usr/local/bin/costbot, /usr/local/share/costbot/{config,templates,tests/fixtures/focus,README.md},
#   /etc/systemd/system/costbot.service, and — only when absent — /etc/costbot/costbot.yaml (from
#   the example) and /etc/costbot/costbot.env (root, 0600).
#
#   sudo deploy/install-systemd.sh [BUILD_DIR]        then: sudo systemctl enable --now costbot
#   DESTDIR=/tmp/stage deploy/install-systemd.sh      stage the same tree elsewhere (packaging, tests)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
dest=${DESTDIR:-}
share=$dest/usr/local/share/costbot

[ -x "$build_dir/bot/costbot" ] || { echo "no binary at $build_dir/bot/costbot: build first (see README)" >&2; exit 1; }
install -D -m 0755 "$build_dir/bot/costbot" "$dest/usr/local/bin/costbot"
install -d -m 0755 "$share" "$share/tests/fixtures"
rm -rf "$share/config" "$share/templates" "$share/tests/fixtures/focus"
cp -r config templates "$share/"
cp -r tests/fixtures/focus "$share/tests/fixtures/"
install -m 0644 README.md "$share/README.md"
chmod -R u=rwX,go=rX "$share"
install -D -m 0644 deploy/costbot.service "$dest/etc/systemd/system/costbot.service"
install -d -m 0755 "$dest/etc/costbot"
[ -e "$dest/etc/costbot/costbot.yaml" ] || install -m 0644 config/costbot.example.yaml "$dest/etc/costbot/costbot.yaml"
[ -e "$dest/etc/costbot/costbot.env" ] || install -m 0600 deploy/costbot.env.example "$dest/etc/costbot/costbot.env"

if [ -z "$dest" ] && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  echo "installed; start with: systemctl enable --now costbot"
else
  echo "installed into ${dest:-/}"
fi
