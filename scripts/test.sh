#!/usr/bin/env bash
# Builds cspy and runs the whole test suite: the style check (scripts/lint.sh: clang-format,
# then clang-tidy on the build's compile commands), the normal build's tests (the
# reliability suite among them: CSPY_RELIABILITY_LONG=1 for its long variant), a short run
# of each libFuzzer target (clang, build-fuzz/; CSPY_FUZZ_SECONDS, 10 by default), then
# (under CI, or with CSPY_TEST_SANITIZE=1) an ASan/UBSan build of the same tests.
# Installs dependencies first.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

jobs=$(nproc)
build_tree() {
  local dir=$1; shift
  local log="$dir.build.log"
  mkdir -p "$dir"
  # Quiet when the build succeeds; the whole log when it does not.
  if ! { cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" && cmake --build "$dir" -j"$jobs"; } >"$log" 2>&1; then
    grep -E -B2 -A6 "error|Error" "$log" | head -100
    echo "build of $dir failed; the full log is $log" >&2
    return 1
  fi
}
run_suite() {
  local dir=$1; shift
  build_tree "$dir" "$@"
  ctest --test-dir "$dir" --output-on-failure -j"$jobs" --timeout 300
}

bash scripts/lint.sh --format-only
build_tree build
bash scripts/lint.sh build
run_suite build
echo "== fuzz targets (libFuzzer), ${CSPY_FUZZ_SECONDS:-10} s each =="
fuzz_log=build-fuzz.build.log
if ! { CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
         -DCSPY_FUZZ=ON -DCSPY_BUILD_TESTS=OFF -DCSPY_FUZZ_SECONDS="${CSPY_FUZZ_SECONDS:-10}" &&
       cmake --build build-fuzz -j"$jobs" --target fuzz_all; } >"$fuzz_log" 2>&1; then
  grep -E -B2 -A6 "error|Error" "$fuzz_log" | head -100
  echo "build of build-fuzz failed; the full log is $fuzz_log" >&2
  exit 1
fi
ctest --test-dir build-fuzz -L fuzz --output-on-failure -j"$jobs"
if [ "${CI:-}" = "true" ] || [ "${CSPY_TEST_SANITIZE:-}" = "1" ]; then
  echo "== the same suite under AddressSanitizer + UBSan =="
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_suite build-sanitize -DCSPY_SANITIZE=ON
fi
