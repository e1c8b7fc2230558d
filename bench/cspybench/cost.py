"""Sections 2, 5 and 6: cspy's own cost and the samples it delivers.
- recording cost: `cspy record --pid -d D` on a running julia (1 and 2 threads) at each
  rate, a short and a long recording alternately; the CPU (user+sys, rusage) and peak RSS
  of the cspy process; the slope between the two durations is the steady-state cost per
  sample, the intercept the start-up cost. perf record (dwarf) on the same target for
  reference (its unwinding happens later, in perf script/report).
- fidelity: from the long recordings, samples per second of target on-CPU time (what a
  task-clock sampler promises) and per wall second per thread, lost samples, unwind
  failures (cspy's summary line).
- post-processing: `cspy report RAW -o x.svg` vs `perf script` and `perf report --stdio`
  on a perf.data of the same target with about as many dwarf samples, alternately.
- memory for an hour at 100 Hz: 360,000 samples reached faster, at 10 kHz on 2 threads."""

import random

from . import procs
from .common import Env, Sampler, median, parse_summary, perf_samples

RATES = (100, 1000, 10000)
HOUR_SAMPLES = 360_000


def _julia(env: Env, threads: int):
    argv = [env.target("julia"), "--seconds", 100000]
    if threads > 1:
        argv += ["--threads", threads]
    return procs.spawn(argv, stderr_path=env.path(f"julia{threads}.err"))


def record_once(env: Env, target, sampler: Sampler, duration_s: float, extra=()):
    """One recording of duration_s; returns a dict of what it cost and delivered."""
    out = env.path("cost.svg" if sampler.tool == "cspy" else "cost.perf.data")
    before = procs.oncpu_ns(target.pid)
    child, e = procs.run(sampler.argv(env, target.pid, out, duration_s, extra=extra,
                                      buildid=True),
                         timeout_s=duration_s + 300, stderr_path=env.path("cost.err"))
    target_cpu_s = (procs.oncpu_ns(target.pid) - before) / 1e9
    err = child.stderr()
    s = parse_summary(err) if sampler.tool == "cspy" else None
    samples = s.samples if s else perf_samples(err)
    return {"ok": e.code == 0, "cpu_s": e.cpu_s, "maxrss_kib": e.maxrss_kib,
            "wall_s": (e.reaped_ns - child.started_ns) / 1e9, "samples": samples,
            "summary": s, "target_cpu_s": target_cpu_s, "duration_s": duration_s,
            "error": None if e.code == 0 else err[-300:]}


def recording_configs(quick: bool):
    """(threads, Sampler) pairs."""
    rates = (100, 1000) if quick else RATES
    configs = [(1, Sampler("cspy", "perf_event", r)) for r in rates]
    configs += [(2, Sampler("cspy", "perf_event", r)) for r in rates]
    configs += [(1, Sampler("cspy", "ptrace", r)) for r in rates]
    configs += [(1, Sampler("perf", "dwarf", r)) for r in rates]
    return configs


def recording_cost(env: Env, reps: int, short_s: float, long_s: float, log):
    configs = recording_configs(env.quick)
    targets = {1: _julia(env, 1), 2: _julia(env, 2)}
    results = {c: {"short": [], "long": []} for c in configs}
    try:
        procs.wait_until(lambda: False, 0.3)  # let the targets start
        for rep in range(reps):
            order = [(c, kind) for c in configs for kind in ("short", "long")]
            random.Random(3000 + rep).shuffle(order)
            for (threads, sampler), kind in order:
                d = short_s if kind == "short" else long_s
                results[(threads, sampler)][kind].append(
                    record_once(env, targets[threads], sampler, d))
            log(f"  recording cost: round {rep + 1}/{reps} done")
    finally:
        for t in targets.values():
            procs.kill(t)
    return results


def cost_rows(results):
    rows = []
    for (threads, sampler), runs in results.items():
        short = [r for r in runs["short"] if r["ok"] and r["samples"]]
        long_ = [r for r in runs["long"] if r["ok"] and r["samples"]]
        if not long_:
            rows.append({"threads": threads, "sampler": sampler, "failed": True,
                         "error": next((r["error"] for r in runs["long"] if r["error"]), "")})
            continue
        cpu_l, n_l = median([r["cpu_s"] for r in long_]), median([r["samples"] for r in long_])
        slope = intercept = None
        if short:
            cpu_s, n_s = median([r["cpu_s"] for r in short]), median([r["samples"] for r in short])
            if n_l > n_s:
                slope = (cpu_l - cpu_s) / (n_l - n_s)
                intercept = cpu_l - slope * n_l
        tcpu = median([r["target_cpu_s"] for r in long_])
        walls = median([r["wall_s"] for r in long_])
        per_cpu_s = n_l / tcpu if tcpu else None  # samples per target CPU-second
        rows.append({
            "threads": threads, "sampler": sampler, "failed": False,
            "samples": n_l, "cpu_s": cpu_l,
            "ms_per_1000": cpu_l / n_l * 1e6 if n_l else None,
            "steady_ms_per_1000": slope * 1e6 if slope is not None else None,
            "startup_ms": intercept * 1e3 if intercept is not None else None,
            # cspy's CPU with every target thread busy, at the requested rate
            "core_pct_busy": (slope * sampler.rate * threads * 100
                              if slope is not None else None),
            "core_pct_measured": cpu_l / walls * 100 if walls else None,
            "maxrss_mib": median([r["maxrss_kib"] for r in long_]) / 1024,
            "per_target_cpu_s": per_cpu_s,
            "per_wall_thread_s": n_l / (median([r["duration_s"] for r in long_]) * threads),
            "lost": median([r["summary"].lost for r in long_ if r["summary"]]),
            "unwind_fail_pct": median([r["summary"].unwind_fail_pct for r in long_
                                       if r["summary"]]),
            "truncated": median([r["summary"].truncated for r in long_ if r["summary"]]),
            "target_cpu_share": tcpu / (walls * threads) if walls else None,
        })
    return rows


def post_processing(env: Env, reps: int, record_s: float, log):
    """cspy report vs perf script / perf report on recordings of the same julia."""
    raw, data = env.path("pp.raw"), env.path("pp.perf.data")
    target = _julia(env, 1)
    try:
        procs.wait_until(lambda: False, 0.3)
        c = record_once(env, target, Sampler("cspy", "perf_event", 1000), record_s,
                        extra=["--raw", raw])
        p_child, p_exit = procs.run(
            Sampler("perf", "dwarf", 1000).argv(env, target.pid, data, record_s, buildid=True),
            timeout_s=record_s + 300, stderr_path=env.path("pp.perf.err"))
        p_samples = perf_samples(p_child.stderr())
    finally:
        procs.kill(target)
    tools = {
        "cspy report -o x.svg": [env.cspy, "report", raw, "-o", env.path("pp.svg")],
        "perf script": ["perf", "script", "-i", data],
        "perf report --stdio": ["perf", "report", "-i", data, "--stdio"],
    }
    times = {k: [] for k in tools}
    for rep in range(reps):
        order = list(tools)
        random.Random(4000 + rep).shuffle(order)
        for name in order:
            child, e = procs.run(tools[name], timeout_s=900, stderr_path=env.path("pp.err"))
            if e.code == 0:
                times[name].append({"wall_s": (e.reaped_ns - child.started_ns) / 1e9,
                                    "cpu_s": e.cpu_s, "maxrss_kib": e.maxrss_kib})
            else:
                log(f"  {name} failed: {child.stderr()[-200:]}")
        log(f"  post-processing: round {rep + 1}/{reps} done")
    samples = {"cspy report -o x.svg": c["samples"], "perf script": p_samples,
               "perf report --stdio": p_samples}
    rows = []
    for name, ts in times.items():
        wall = median([t["wall_s"] for t in ts])
        rows.append({"tool": name, "samples": samples[name], "n": len(ts), "wall_s": wall,
                     "cpu_s": median([t["cpu_s"] for t in ts]),
                     "maxrss_mib": (median([t["maxrss_kib"] for t in ts]) or 0) / 1024,
                     "ms_per_1000": (wall / samples[name] * 1e6
                                     if wall and samples[name] else None)})
    return rows


def hour_rss(env: Env, samples_per_s: float | None, goal_samples: int, max_s: float, log):
    """One 10 kHz recording of julia --threads 2 long enough for goal_samples."""
    rate = samples_per_s or 10000
    duration = min(max_s, max(5.0, goal_samples / rate * 1.1))
    log(f"  memory: recording {duration:.0f} s at 10 kHz for ~{goal_samples} samples")
    target = _julia(env, 2)
    try:
        procs.wait_until(lambda: False, 0.3)
        r = record_once(env, target, Sampler("cspy", "perf_event", 10000), duration)
    finally:
        procs.kill(target)
    r["goal_samples"] = goal_samples
    r["maxrss_mib"] = r["maxrss_kib"] / 1024
    return r
