#!/usr/bin/env bash
# Builds cspy and runs the whole test suite: the normal build, then (under CI, or with
# CSPY_TEST_SANITIZE=1) an ASan/UBSan build of the same tests. Installs dependencies first.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

jobs=$(nproc)
run_suite() {
  local dir=$1; shift
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$dir" -j"$jobs" >/dev/null
  ctest --test-dir "$dir" --output-on-failure -j"$jobs" --timeout 300
}

run_suite build
if [ "${CI:-}" = "true" ] || [ "${CSPY_TEST_SANITIZE:-}" = "1" ]; then
  echo "== the same suite under AddressSanitizer + UBSan =="
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_suite build-sanitize -DCSPY_SANITIZE=ON
fi
