"""Section 11, off-CPU time with many idle threads (issue 13): cspy's own CPU with `--idle`
and the target's, on `chain --threads N` (N = 200): blocked throughout (`--mode read`),
waking once a second (`--mode sleep --sleep-ms 1000`: mostly idle) or every 20 ms (`--mode
sleep`: 10,000 context switches a second). Two ways of getting off-CPU stacks: "exact" (the
kernel's context-switch samples, cspy as root) and "polled" (the fallback: /proc/TID/syscall
and a stack read per thread per tick, cspy as `nobody` under kernel.perf_event_paranoid=2,
set for the section and restored after). The target runs as `nobody`.
Per round, in shuffled order: nothing, exact, polled. A sampler records for WARM + W + 1 s;
its steady CPU is its schedstat time over the W s window that opens WARM s after its start
(start-up and output excluded); its total CPU (rusage) is given too. The target's CPU is
its schedstat time over the same window (nothing: a W s window with no sampler)."""

import os
import random
import shutil
import statistics
import tempfile
import time

from . import procs
from .common import Env, num, table

THREADS = 200
# (label, chain's arguments)
MODES = (("read", ["--mode", "read"]),
         ("sleep 1 s", ["--mode", "sleep", "--sleep-ms", "1000"]),
         ("sleep 20 ms", ["--mode", "sleep"]))
METHODS = ("nothing", "exact", "polled")
WARM_S = 2.0
PARANOID = "/proc/sys/kernel/perf_event_paranoid"
AS_NOBODY = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]


def _start_target(env: Env, args: list, tmp: str) -> procs.Child:
    out = os.path.join(tmp, "chain.out")
    with open(out, "wb") as f:
        child = procs.spawn(AS_NOBODY + [env.target("chain"), "--threads", THREADS] + args,
                            stdout=f)
    if not procs.wait_until(lambda: "ready" in open(out).read(), 20, 0.05):
        procs.kill(child)
        raise RuntimeError(f"chain {' '.join(args)} never printed ready")
    return child


def _window(env: Env, target: procs.Child, method: str, window_s: float, tmp: str) -> dict:
    """One measurement: the sampler's steady and total CPU, the target's CPU, per second."""
    if method == "nothing":
        t0, w0 = procs.oncpu_ns(target.pid), time.monotonic_ns()
        time.sleep(window_s)
        t1, w1 = procs.oncpu_ns(target.pid), time.monotonic_ns()
        return {"target": (t1 - t0) / (w1 - w0)}
    argv = [env.cspy, "record", "--idle", "-q", "-p", target.pid, "-d",
            f"{WARM_S + window_s + 1:.1f}", "-f", "folded", "-o",
            os.path.join(tmp, f"{method}.folded")]
    if method == "polled":
        argv = AS_NOBODY + argv
    err = os.path.join(tmp, f"{method}.err")
    cspy = procs.spawn(argv, stderr_path=err)
    try:
        time.sleep(WARM_S)
        c0, t0, w0 = procs.oncpu_ns(cspy.pid), procs.oncpu_ns(target.pid), time.monotonic_ns()
        time.sleep(window_s)
        c1, t1, w1 = procs.oncpu_ns(cspy.pid), procs.oncpu_ns(target.pid), time.monotonic_ns()
        e = procs.wait(cspy, WARM_S + window_s + 60)
    finally:
        procs.kill(cspy)
    if e.code != 0:
        raise RuntimeError(f"cspy ({method}) exited {e.code}: {cspy.stderr()[-500:]}")
    notice = "perf_event_paranoid" in cspy.stderr()
    if (method == "polled") != notice:
        raise RuntimeError(f"cspy ({method}) did not sample as intended: {cspy.stderr()[-500:]}")
    elapsed = w1 - w0
    return {"cspy": (c1 - c0) / elapsed, "target": (t1 - t0) / elapsed, "total_s": e.cpu_s}


def measure(env: Env, rounds: int, window_s: float, log) -> dict:
    """{(mode, method): [window dicts]}, plus the parameters."""
    with open(PARANOID) as f:
        before = f.read().strip()
    # Its own directory: `nobody` (the target, the polling cspy) cannot enter env.tmp.
    tmp = tempfile.mkdtemp(prefix="cspy-bench-offcpu.", dir="/dev/shm")
    os.chmod(tmp, 0o777)
    out = {"threads": THREADS, "rounds": rounds, "window_s": window_s, "warm_s": WARM_S,
           "runs": {}}
    try:
        with open(PARANOID, "w") as f:
            f.write("2")
        for mode, args in MODES:
            target = _start_target(env, args, tmp)
            try:
                for r in range(rounds):
                    order = list(METHODS)
                    random.shuffle(order)
                    for method in order:
                        w = _window(env, target, method, window_s, tmp)
                        out["runs"].setdefault((mode, method), []).append(w)
                        log(f"  offcpu: {mode} round {r + 1} {method}: "
                            + ", ".join(f"{k} {v:.4f}" for k, v in w.items()))
            finally:
                procs.kill(target)
    finally:
        with open(PARANOID, "w") as f:
            f.write(before)
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def _spread(xs, scale=100.0, fmt="{:.2f}"):
    xs = [x * scale for x in xs if x is not None]
    if not xs:
        return "n/a"
    return f"{fmt.format(statistics.median(xs))} [{fmt.format(min(xs))}–{fmt.format(max(xs))}]"


def rows(res: dict) -> list:
    out = []
    for mode, args in MODES:
        base = [w["target"] for w in res["runs"].get((mode, "nothing"), [])]
        for method in METHODS:
            ws = res["runs"].get((mode, method), [])
            if not ws:
                continue
            label = {"nothing": "nothing", "exact": "cspy --idle, context-switch samples",
                     "polled": "cspy --idle, /proc polling (fallback)"}[method]
            target = [w["target"] for w in ws]
            extra = ("—" if method == "nothing" else
                     _spread([t - b for t, b in zip(target, base)], 1000.0, "{:+.2f}"))
            out.append([f"`{' '.join(args)}`", label,
                        "—" if method == "nothing" else _spread([w["cspy"] for w in ws]),
                        "—" if method == "nothing" else
                        num(statistics.median(w["total_s"] for w in ws), "{:.2f}"),
                        _spread(target, 1000.0), extra])
    return out


def section(res: dict, run_md: str = "") -> str:
    w = res["window_s"]
    total_s = WARM_S + w + 1
    parts = []
    if run_md:
        parts += [run_md, ""]
    parts += [
        f"`chain --threads {res['threads']}` as `nobody`: blocked throughout in `read` "
        f"(`--mode read`), waking once a second from `nanosleep` (mostly idle) or every 20 ms "
        f"(10,000 context switches a second); `cspy "
        f"record --idle -p PID -d {total_s:.0f}` (100 Hz) with off-CPU stacks from the "
        "kernel's context-switch samples (as root) or from polling `/proc` (the fallback: as "
        "`nobody` under `kernel.perf_event_paranoid=2`, set for the section). "
        f"{res['rounds']} rounds, methods in shuffled order per round; median [min–max]. "
        f"**cspy CPU**: its on-CPU time (schedstat) over a {w:.0f} s window opening "
        f"{WARM_S:.0f} s after its start, per second of wall time (steady state); **total**: "
        f"its user+sys CPU for the whole {total_s:.0f} s recording, start-up and output "
        "included. **target CPU**: the target's on-CPU time over the same window (nothing: a "
        "window without a sampler), in ms per second; **Δ** is paired with the round's "
        "\"nothing\" window.", "",
        table(["target", "off-CPU stacks from", "cspy CPU (% of a core)", "cspy total CPU (s)",
               "target CPU (ms/s)", "Δ target CPU (ms/s)"], rows(res))]
    return "\n".join(parts)

