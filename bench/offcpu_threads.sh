#!/usr/bin/env bash
# cspy's own CPU with --idle on a target of many mostly idle threads (issue 13): exact
# off-CPU sampling (context-switch events, as root) against polling /proc (the fallback,
# as nobody under kernel.perf_event_paranoid=2). Never a timed test: run it by hand.
#   bench/offcpu_threads.sh BUILD_DIR [THREADS=200] [SECONDS=10]
# Modes: `read` (threads blocked throughout) and `sleep` (each wakes every 20 ms).
# Needs root (sets perf_event_paranoid, restored at exit); every target is killed and reaped.
set -euo pipefail
build=${1:?usage: offcpu_threads.sh BUILD_DIR [THREADS] [SECONDS]}
threads=${2:-200}
seconds=${3:-10}
chain=$build/test_targets/chain
cspy=$build/cspy
setting=/proc/sys/kernel/perf_event_paranoid
before=$(cat $setting)
target=
cleanup() {
  echo "$before" >$setting
  if [ -n "$target" ]; then kill "$target" 2>/dev/null || true; wait "$target" 2>/dev/null || true; fi
}
trap cleanup EXIT
as_nobody=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
out=$(mktemp -d)
chmod 777 "$out"

# cspy's user+system CPU seconds for one recording: "exact" as root, "polled" as nobody.
cpu_of() {
  local how=$1 pid=$2 prefix=()
  [ "$how" = polled ] && prefix=("${as_nobody[@]}")
  /usr/bin/time -f "%U %S" -o "$out/time" "${prefix[@]}" "$cspy" record --idle -q -p "$pid" \
    -d "$seconds" -f folded -o "$out/$how.folded" 2>"$out/err" || { cat "$out/err"; return 1; }
  awk '{print $1 + $2}' "$out/time"
}

echo 2 >$setting
for mode in read sleep; do
  "${as_nobody[@]}" "$chain" --threads "$threads" --mode "$mode" >"$out/target.out" &
  target=$!
  for _ in $(seq 100); do grep -q ready "$out/target.out" 2>/dev/null && break; sleep 0.1; done
  for how in exact polled; do
    cpu=$(cpu_of $how $target)
    awk -v m="$mode" -v h="$how" -v c="$cpu" -v s="$seconds" -v t="$threads" \
      'BEGIN { printf "%-5s %-6s %d threads: cspy CPU %.2f s in %d s = %.2f%% of a core\n", m, h, t, c, s, 100 * c / s }'
  done
  kill "$target"
  wait "$target" 2>/dev/null || true
  target=
done
rm -rf "$out"
