#!/usr/bin/env bash
# Installs every Debian 12 package that building, running and testing costbot needs.
# Idempotent: apt-get skips what is already installed. Nothing is downloaded from outside Debian
# (and npm, for the message validators and the browser test, which fetch from the npm registry).
#
#   deploy/install-deps.sh            build + run + test dependencies
#   deploy/install-deps.sh --runtime  only what the built binary needs (used by the Dockerfile)
set -euo pipefail

runtime_only=0
[ "${1:-}" = "--runtime" ] && runtime_only=1

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

build_pkgs=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libssl-dev
  libsqlitecpp-dev libsqlite3-dev catch2 libyaml-cpp-dev libkainjow-mustache-dev
  libspdlog-dev libfmt-dev libcli11-dev libcairo2-dev libjwt-dev zlib1g-dev libxxhash-dev
)
# Tools the tests drive: sqlite3 and python3 compute independent reference figures, clang +
# compiler-rt build the sanitizer and fuzzer targets, node/npm run the message validators and the
# browser test, chromium is the headless browser, promtool checks /metrics, wrk drives load,
# systemd checks the unit file.
test_pkgs=(
  sqlite3 python3 python3-numpy clang libclang-rt-14-dev
  chromium prometheus wrk systemd procps curl
)
runtime_pkgs=(
  libboost-json1.81.0 libboost-url1.81.0 libssl3 libsqlite3-0 libyaml-cpp0.7 libspdlog1.10
  libfmt9 libcairo2 libjwt0 zlib1g libxxhash0 ca-certificates
)

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
if [ "$runtime_only" = 1 ]; then
  $SUDO apt-get install -y -q --no-install-recommends "${runtime_pkgs[@]}"
  exit 0
fi
$SUDO apt-get install -y -q --no-install-recommends "${build_pkgs[@]}" "${test_pkgs[@]}"
# Node.js may already come from elsewhere (with its own npm); install Debian's only when missing.
if ! command -v node >/dev/null 2>&1; then
  $SUDO apt-get install -y -q --no-install-recommends nodejs
fi
if ! command -v npm >/dev/null 2>&1; then
  $SUDO apt-get install -y -q --no-install-recommends npm
fi
