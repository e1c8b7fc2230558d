#!/usr/bin/env python3
"""Attach cost (issue 15, item 1): what a user's attach costs the target, start-up and exit
included. bench/workrate runs once; per cycle, in shuffled order, each sampler gets a
fresh process started by PID at the opening of a WINDOW-second on-window, recording for
half of it (cspy writes a flame graph SVG) and exiting inside it (a window is extended until the sampler is gone, and the
overrun reported); "nothing" windows give the noise floor. Off-windows of the same length
separate them. slowdown = mean work rate of the neighbouring off-windows / the on-window's
- 1 (target CPU: work per on-CPU second); medians with a distribution-free 95% interval,
and cspy - perf dwarf paired by cycle. perf records as a user's would (its build-id pass
at exit included).
  bench/attach_cost.py --build BUILD [--cycles 20] [--window 2] [--rates 100,1000]
"""
import argparse
import os
import random
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cspybench import procs  # noqa: E402
from cspybench.common import Env, Sampler, median_ci, paired, pct, table  # noqa: E402
from cspybench.slowdown import _Counter, _measure  # noqa: E402


def on_window(env, cfg, target_pid, counter, window_s):
    """One window with a fresh sampler (or none) started at its opening."""
    t0, c0, cpu0 = counter.read()
    child = None
    if cfg is not None:
        out = env.path("fresh.svg" if cfg.tool == "cspy" else "fresh.perf.data")
        child = procs.spawn(cfg.argv(env, target_pid, out, duration_s=round(window_s * 0.5, 2),
                                     buildid=True), stderr_path=env.path("fresh.err"))
        try:
            procs.wait(child, window_s * 10)
        except procs.Timeout:
            procs.stop(child)
    left = window_s - (time.monotonic_ns() - t0) / 1e9
    if left > 0:
        time.sleep(left)
    t1, c1, cpu1 = counter.read()
    return {"wall_rate": (c1 - c0) / max(t1 - t0, 1), "cpu_rate": (c1 - c0) / max(cpu1 - cpu0, 1),
            "overrun_s": max(0.0, -left), "ok": child is None or child.exit.code == 0}


def run(env, cycles, window_s, rates, log):
    configs = []
    for r in rates:
        configs += [Sampler("cspy", "perf_event", r), Sampler("perf", "dwarf", r)]
    counter_path = env.path("workrate.counter")
    target = procs.spawn([env.workrate, counter_path, 3600], stderr_path=env.path("wr.err"))
    counter = None
    try:
        procs.wait_until(lambda: os.path.exists(counter_path)
                         and os.path.getsize(counter_path) == 4096, 30)
        counter = _Counter(counter_path, target.pid)
        procs.wait_until(lambda: counter.read()[1] > 0, 10)
        out = {c: [] for c in [None] + configs}
        for cycle in range(cycles):
            order = [None] + configs
            random.Random(3000 + cycle).shuffle(order)
            before = _measure(counter, window_s)
            for cfg in order:
                w = on_window(env, cfg, target.pid, counter, window_s)
                after = _measure(counter, window_s)
                for key in ("wall_rate", "cpu_rate"):
                    off = (before[key] + after[key]) / 2
                    w[key.replace("rate", "slowdown")] = off / w[key] - 1
                out[cfg].append(w)
                before = after
            log(f"attach cost: cycle {cycle + 1}/{cycles}")
        return out
    finally:
        if counter is not None:
            counter.close()
        procs.kill(target)


def fmt_ci(xs):
    m, lo, hi = median_ci(xs)
    if m is None:
        return "n/a"
    return pct(m) + (f" [{pct(lo)}, {pct(hi)}]" if lo is not None else "")


def report(out, rates):
    rows = []
    for cfg, ws in out.items():
        label = "nothing (noise floor)" if cfg is None else f"{cfg.label} @ {cfg.rate} Hz"
        rows.append([label, fmt_ci([w["wall_slowdown"] for w in ws]),
                     fmt_ci([w["cpu_slowdown"] for w in ws]),
                     f"{max(w['overrun_s'] for w in ws):.2f}",
                     f"{sum(w['ok'] for w in ws)}/{len(ws)}"])
    lines = [table(["sampler, fresh per window", "slowdown (wall)", "slowdown (target CPU)",
                    "worst overrun (s)", "sampler exit 0"], rows), ""]
    for r in rates:
        c = [k for k in out if k is not None and k.tool == "cspy" and k.rate == r][0]
        p = [k for k in out if k is not None and k.tool == "perf" and k.rate == r][0]
        for key in ("cpu_slowdown", "wall_slowdown"):
            d = paired([w[key] for w in out[c]], [w[key] for w in out[p]])
            lines.append(f"- {r} Hz, cspy − perf dwarf ({key.split('_')[0]}): "
                         f"{fmt_ci(d).replace('%', ' pp')}")
    return "\n".join(lines)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--cycles", type=int, default=20)
    ap.add_argument("--window", type=float, default=2.0)
    ap.add_argument("--rates", type=lambda s: [int(x) for x in s.split(",")], default=[100, 1000])
    a = ap.parse_args()
    procs.install_cleanup()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = Env(root=root, build=a.build, tmp=tempfile.mkdtemp(prefix="cspy-attach-",
                                                             dir="/dev/shm"),
              quick=False, python="")
    res = run(env, a.cycles, a.window, a.rates, lambda m: print(m, file=sys.stderr))
    print(report(res, a.rates))
