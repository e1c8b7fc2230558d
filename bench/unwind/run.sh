#!/usr/bin/env bash
# Builds unwind_bench, records raw samples (16 KiB stack copies) of the julia target and of
# CPython 3.11 running test_targets/julia1.py into a temp dir, and prints the comparison
# table of the libdw and libunwind backends (µs/sample cold and warm, mean depth, how the
# stacks ended, agreement), plus the mean depth `perf record --call-graph dwarf` reaches on
# the same targets. Every process it starts is killed and reaped on exit.
#   bench/unwind/run.sh            (BUILD=dir, JOBS=n, PYTHON=path, SECONDS_PER_RUN=s)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build-unw-bench}
JOBS=${JOBS:-2}
PYTHON=${PYTHON:-/root/.pyenv/versions/3.11.7/bin/python3.11}
RUN_S=${SECONDS_PER_RUN:-3}
RATE=200

TMP=$(mktemp -d /tmp/unwind-bench.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$TMP"
}
trap cleanup EXIT

echo "building in $BUILD ..." >&2
cmake -S "$ROOT/bench/unwind" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
make -C "$BUILD" -j"$JOBS" unwind_bench cspy julia >/dev/null
CSPY=$BUILD/cspy
BENCH=$BUILD/unwind_bench
JULIA=$BUILD/test_targets/julia

start() {  # start CMD...: runs it in the background, its pid in $STARTED
  "$@" >/dev/null 2>&1 &
  STARTED=$!
  PIDS+=("$STARTED")
  sleep 0.5
}

stop() {
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# record NAME CMD...: a cspy raw recording and a perf recording of the same program.
record() {
  local name=$1
  shift
  start "$@"
  "$CSPY" record --pid "$STARTED" -d "$RUN_S" --rate "$RATE" --stack-bytes 16384 -q \
    --raw "$TMP/$name.raw" -f folded -o "$TMP/$name.folded"
  if command -v perf >/dev/null; then
    perf record -q -F "$RATE" --call-graph dwarf,16384 -p "$STARTED" -o "$TMP/$name.perf" \
      -- sleep "$RUN_S" >/dev/null 2>&1 || true
  fi
  stop "$STARTED"
  INPUTS+=("$TMP/$name.raw=$name")
}

INPUTS=("$ROOT/tests/data/replay/chain-spin.raw=chain")
echo "recording julia ..." >&2
record julia "$JULIA" --seconds 120
if [[ -x $PYTHON ]]; then
  echo "recording CPython julia1.py ..." >&2
  record python "$PYTHON" "$ROOT/test_targets/julia1.py" 2000 300
fi

echo
"$BENCH" --passes 5 --show-disagreements --map-path "/work/main/build/test_targets/chain=$ROOT/tests/data/replay/chain" "${INPUTS[@]}"

if command -v perf >/dev/null; then
  echo
  printf "%-12s %8s %10s %10s   (perf record --call-graph dwarf,16384 + perf script)\n" \
    recording samples depth "+inlined"
  for f in "$TMP"/*.perf; do
    [[ -s $f ]] || continue
    # perf script: a header line per sample, then one indented "ip symbol" line per frame,
    # inlined functions as extra lines with the same ip; a machine frame is a new ip.
    perf script -i "$f" -F comm,tid,ip,sym 2>/dev/null | awk -v name="$(basename "$f" .perf)" '
      /^[^ \t]/ { samples++; prev = ""; next }
      /^[ \t]+[0-9a-f]+/ { all++; if ($1 != prev) frames++; prev = $1 }
      END { printf "%-12s %8d %10.1f %10.1f\n", name, samples, samples ? frames / samples : 0,
                   samples ? all / samples : 0 }'
  done
fi
