#!/usr/bin/env bash
# Installs what the build needs, builds, and runs every test.
#   bash tests/run.sh              every test once, in one build with AddressSanitizer +
#                                  UndefinedBehaviorSanitizer (build-asan/). This is what CI runs.
#   bash tests/run.sh --release    every test against the optimised build without sanitizers
#                                  (build/, the flags of deploy/run.sh and of COMMON development).
#   bash tests/run.sh --sanitize   the same as no argument (kept for old scripts).
#
# Why one sanitizer build and not a release pass plus a sanitizer pass: the sanitizer build runs
# every test with ASan + UBSan (leaks, use-after-free, overflows, undefined behaviour abort the
# test), which is everything the release pass checked plus those checks; a second cold build and a
# second run of the same tests bought nothing but time. -O0: with both sanitizers a batch compiles
# in 15 CPU-s at -O0, 18 at -Og and 39 at -O1 (GCC 12), and the suite waits on sockets and child
# processes more than it computes. -g1 (line tables) keeps function names and lines in traces.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=build-asan
cmake_args=(-DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-g1 -DCOSTBOT_SANITIZE=ON -DCOSTBOT_WERROR=ON)
case "${1:-}" in
  --release)
    build_dir=build
    cmake_args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG" -DCOSTBOT_WERROR=ON)
    ;;
  ""|--sanitize) ;;
  *) echo "usage: bash tests/run.sh [--release|--sanitize]" >&2; exit 2 ;;
esac
if [ "$build_dir" = build-asan ]; then
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi

if [ -z "${COSTBOT_SKIP_DEPS:-}" ]; then bash deploy/install-deps.sh; fi
cmake -S . -B "$build_dir" -G Ninja "${cmake_args[@]}"
cmake --build "$build_dir" -j "$(nproc)"
ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)"
