#!/usr/bin/env bash
# Installs every Debian 12 package that building, running and testing costbot needs.
# Idempotent: apt-get skips what is already installed. Nothing is downloaded from outside Debian
# (and npm, for the message validators and the browser test, which fetch from the npm registry).
#
#   deploy/install-deps.sh                 build + run + test dependencies (tests/run.sh)
#   deploy/install-deps.sh --build         only what building the binary needs (the Dockerfile's build stage)
#   deploy/install-deps.sh --runtime       only what the built binary needs (the Dockerfile's runtime stage)
#   deploy/install-deps.sh --run           build + runtime, no test tools (deploy/run.sh)
#   deploy/install-deps.sh --list-runtime  print the runtime package names, install nothing (for checks)
set -euo pipefail

mode=all
case "${1:-}" in
  "") ;;
  --build) mode=build ;;
  --runtime) mode=runtime ;;
  --run) mode=run ;;
  --list-runtime) mode=list-runtime ;;
  *) echo "usage: $0 [--build|--runtime|--run|--list-runtime]" >&2; exit 2 ;;
esac

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

build_pkgs=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libssl-dev
  libsqlitecpp-dev libsqlite3-dev catch2 libyaml-cpp-dev libkainjow-mustache-dev
  libspdlog-dev libfmt-dev libcli11-dev libcairo2-dev libjwt-dev zlib1g-dev libxxhash-dev
  libhowardhinnant-date-dev libcurl4-openssl-dev libpugixml-dev lld
)
# Tools the tests drive: sqlite3 and python3 compute independent reference figures, clang +
# compiler-rt build the sanitizer and fuzzer targets, node/npm run the message validators and the
# browser test, chromium is the headless browser, promtool checks /metrics, wrk drives load,
# systemd checks the unit file, python3-yaml parses the deploy manifests and the OpenAPI file,
# python3-jsonschema checks real REST API answers against it, util-linux's setpriv runs the binary
# as an unprivileged user.
test_pkgs=(
  sqlite3 python3 python3-numpy python3-yaml python3-jsonschema clang libclang-rt-14-dev
  chromium prometheus wrk systemd procps curl util-linux
)
# The shared libraries the binary links (one package per library CMake links; checked against the
# link line and `ldd` by tests/scripts/check_deploy.py), plus data the process reads at run time:
# CA certificates for HTTPS, a font for chart labels, time zones for quiet hours (read by libdate-tz3).
runtime_pkgs=(
  libboost-json1.81.0 libboost-url1.81.0 libboost-container1.81.0 libssl3 libsqlite3-0
  libyaml-cpp0.7 libspdlog1.10 libfmt9 libcairo2 libjwt0 zlib1g libxxhash0 libdate-tz3 libcurl4 libpugixml1v5
  ca-certificates fonts-dejavu-core tzdata
)

if [ "$mode" = list-runtime ]; then
  printf '%s\n' "${runtime_pkgs[@]}"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
if [ "$mode" = runtime ]; then
  $SUDO apt-get install -y -q --no-install-recommends "${runtime_pkgs[@]}"
  exit 0
fi
if [ "$mode" = build ]; then
  $SUDO apt-get install -y -q --no-install-recommends "${build_pkgs[@]}"
  exit 0
fi
if [ "$mode" = run ]; then
  $SUDO apt-get install -y -q --no-install-recommends "${build_pkgs[@]}" "${runtime_pkgs[@]}"
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
