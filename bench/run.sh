#!/usr/bin/env bash
# cspy's benchmarks (issue 6): target slowdown against perf, cspy's own CPU and memory,
# post-processing speed, accuracy, latency and sample fidelity, each measured side by side
# in one run, and the slowdown of Python targets (issue 10). Builds cspy, the test targets
# and bench/workrate (Release with debug info), prints the report and writes it to
# docs/BENCHMARKS.md; and cspy's own CPU with --idle on 200 mostly idle threads (issue 13).
# Needs root (or perf_event and ptrace permissions) and perf. About 28 minutes (the python
# section 10 of them, offcpu 3); --quick about 8.
#   bash bench/run.sh [--quick] [--only whole,windows,cost,post,accuracy,latency,memory,python,
#                      offcpu]
#                     [--update (with --only python and/or offcpu: replace just those sections
#                      in OUT)]
#                     [--pythons PATH,... (section 7; default: every CPython 3.8-3.13 installed
#                      by pyenv, and /usr/bin/python3.11)]
#   env: BUILD=dir (default build-bench), JOBS=n, OUT=file (default docs/BENCHMARKS.md),
#        PYTHON=path to a CPython with DWARF in libpython (section 4)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build-bench}
JOBS=${JOBS:-2}
OUT=${OUT:-$ROOT/docs/BENCHMARKS.md}
PYTHON=${PYTHON:-/root/.pyenv/versions/3.11.7/bin/python3.11}

echo "bench: building in $BUILD ..." >&2
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCSPY_BUILD_TESTS=OFF >/dev/null
make -C "$BUILD" -j"$JOBS" cspy julia split chain >/dev/null
mkdir -p "$BUILD/bench" "$(dirname "$OUT")"
"${CXX:-c++}" -std=c++20 -O2 -g -fomit-frame-pointer -Wall -Wextra \
  -o "$BUILD/bench/workrate" "$ROOT/bench/workrate.cpp"

exec python3 -B "$ROOT/bench/bench.py" --build "$BUILD" --out "$OUT" --python "$PYTHON" "$@"
