#!/usr/bin/env bash
# Builds cspy and runs the whole test suite: the style check (scripts/lint.sh: clang-format,
# then clang-tidy on the build's compile commands), the normal build's tests (the
# reliability suite among them: CSPY_RELIABILITY_LONG=1 for its long variant), a short run
# of each libFuzzer target (clang, build-fuzz/; CSPY_FUZZ_SECONDS, 10 by default), then
# (under CI, or with CSPY_TEST_SANITIZE=1) the unit and reliability suites again under
# ASan/UBSan (build-sanitize/, -O1 -g1: a third of -O2 -g's compile time with the
# sanitizers; CSPY_TEST_SANITIZE=all runs every suite there). Installs dependencies first.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

jobs=$(nproc)
build_tree() {
  local dir=$1; shift
  local log="$dir.build.log"
  mkdir -p "$dir"
  # Quiet when the build succeeds; the whole log when it does not.
  local configure=() build=()
  while [ $# -gt 0 ]; do  # cmake's -D options, then the build's (--target T)
    case "$1" in --target) build+=("$1" "$2"); shift 2 ;; *) configure+=("$1"); shift ;; esac
  done
  if ! { cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "${configure[@]}" &&
         cmake --build "$dir" -j"$jobs" "${build[@]}"; } >"$log" 2>&1; then
    grep -E -B2 -A6 "error|Error" "$log" | head -100
    echo "build of $dir failed; the full log is $log" >&2
    return 1
  fi
}

# Each phase says when it starts (seconds since the script began): CI's budget is 30 min.
phase() { echo "== [${SECONDS} s] $* =="; }
phase "style (clang-format)"
bash scripts/lint.sh --format-only
phase "build"
build_tree build
phase "clang-tidy"
bash scripts/lint.sh build
phase "test suite"
ctest --test-dir build --output-on-failure -j"$jobs" --timeout 300
phase "fuzz targets (libFuzzer), ${CSPY_FUZZ_SECONDS:-10} s each"
fuzz_log=build-fuzz.build.log
if ! { CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
         -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -DNDEBUG" \
         -DCSPY_FUZZ=ON -DCSPY_BUILD_TESTS=OFF -DCSPY_FUZZ_SECONDS="${CSPY_FUZZ_SECONDS:-10}" &&
       cmake --build build-fuzz -j"$jobs" --target fuzz_all; } >"$fuzz_log" 2>&1; then
  grep -E -B2 -A6 "error|Error" "$fuzz_log" | head -100
  echo "build of build-fuzz failed; the full log is $fuzz_log" >&2
  exit 1
fi
ctest --test-dir build-fuzz -L fuzz --output-on-failure -j"$jobs"
sanitize=${CSPY_TEST_SANITIZE:-}
if [ "${CI:-}" = "true" ] && [ -z "$sanitize" ]; then sanitize=1; fi
if [ "$sanitize" = "1" ] || [ "$sanitize" = "all" ]; then
  target=cspy_sanitize_suites labels=(-L 'unit|reliability')
  if [ "$sanitize" = "all" ]; then target=all labels=(); fi
  phase "${labels[1]:-every} suite under AddressSanitizer + UBSan"
  build_tree build-sanitize -DCSPY_SANITIZE=ON -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
    -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" --target "$target"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-sanitize --output-on-failure -j"$jobs" --timeout 300 "${labels[@]}"
fi
phase "done"
