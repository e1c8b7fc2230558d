#!/usr/bin/env bash
# The house style, checked by machine: clang-format over every C++ file of the repository
# (any difference fails; `--fix` rewrites the files instead), then clang-tidy's curated
# checks (.clang-tidy) over src/ with the compile commands of a build directory, every
# finding an error. Run by scripts/test.sh, so by CI, without the Clang static analyzer's
# path-sensitive checks (clang-analyzer-*: 70% of clang-tidy's time, ~5 of CI's minutes);
# `--deep` adds them (run it on what you change before committing, and on the whole tree
# now and then).
#   bash scripts/lint.sh [--fix (format the files, nothing else)] [--format-only] [--deep]
#                        [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."

fix=0
format_only=0
deep=0
build=build
for arg in "$@"; do
  case "$arg" in
    --fix) fix=1 ;;
    --format-only) format_only=1 ;;
    --deep) deep=1 ;;
    -*) echo "lint: unknown option $arg" >&2; exit 2 ;;
    *) build=$arg ;;
  esac
done

# Tracked files and new ones not yet added (but not ignored ones, such as build trees).
mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.cpp' '*.h' '*.cc' '*.hpp')
if [ "$fix" = 1 ]; then
  clang-format -i "${files[@]}"
  exit 0
elif ! clang-format --dry-run --Werror "${files[@]}" 2>/tmp/cspy-format.$$; then
  grep -E "^[^ ].*: (error|warning):" /tmp/cspy-format.$$ | cut -d: -f1 | sort -u |
    sed 's/^/lint: not clang-formatted: /' >&2
  rm -f /tmp/cspy-format.$$
  echo "lint: run 'bash scripts/lint.sh --fix' (clang-format $(clang-format --version | grep -o '[0-9][0-9.]*' | head -1))" >&2
  exit 1
fi
rm -f /tmp/cspy-format.$$
[ "$format_only" = 1 ] && exit 0

if [ ! -f "$build/compile_commands.json" ]; then
  echo "lint: no $build/compile_commands.json; configure a build there first" >&2
  exit 1
fi
mapfile -t sources < <(git ls-files 'src/*.cpp')
log=$(mktemp)
# Every finding is an error (.clang-tidy's WarningsAsErrors); a warning line fails too.
status=0
checks=()
[ "$deep" = 1 ] || checks=(-checks=-clang-analyzer-*)
run-clang-tidy -p "$build" -quiet -j "$(nproc)" "${checks[@]}" "${sources[@]}" >"$log" 2>&1 || status=$?
if [ "$status" != 0 ] || grep -qE "(error|warning): " "$log"; then
  grep -E "(error|warning): " "$log" | sed 's/\x1b\[[0-9;]*m//g' | sort -u | head -50 >&2
  echo "lint: clang-tidy found the problems above (full log: $log)" >&2
  exit 1
fi
rm -f "$log"
echo "lint: clang-format and clang-tidy clean"
