"""Sections 2, 5 and 6: cspy's own cost and the samples it delivers.
- recording cost: `cspy record --pid` on a running julia (1, then 2 threads) at each rate,
  configurations in shuffled rounds; the CPU (user+sys, rusage) and peak RSS of the cspy
  process, and its on-CPU time over a steady interval after start-up, per sample taken
  in it. perf record (dwarf) on the same target for reference (its unwinding happens
  later, in perf script/report).
- fidelity: from the long recordings, samples per second of target on-CPU time (what a
  task-clock sampler promises) and per wall second per thread, lost samples, unwind
  failures (cspy's summary line).
- post-processing: `cspy report RAW -o x.svg` vs `perf script` and `perf report --stdio`
  on a perf.data of the same target with about as many dwarf samples, alternately.
- memory for an hour at 100 Hz: 360,000 samples reached faster, at 10 kHz on 2 threads."""

import random
import time

from . import procs
from .common import Env, Sampler, median, parse_summary, perf_samples

RATES = (100, 1000, 10000)


def _julia(env: Env, threads: int):
    argv = [env.target("julia"), "--seconds", 100000]
    if threads > 1:
        argv += ["--threads", threads]
    return procs.spawn(argv, stderr_path=env.path(f"julia{threads}.err"))


def record_once(env: Env, target, sampler: Sampler, duration_s: float, extra=()):
    """One recording of duration_s with -d (or perf's `-- sleep`); what it cost and got."""
    out = env.path("cost.svg" if sampler.tool == "cspy" else "cost.perf.data")
    before = procs.oncpu_ns(target.pid)
    child, e = procs.run(sampler.argv(env, target.pid, out, duration_s, extra=extra,
                                      buildid=True),
                         timeout_s=duration_s + 300, stderr_path=env.path("cost.err"))
    return _result(child, e, sampler, (procs.oncpu_ns(target.pid) - before) / 1e9,
                   duration_s)


def _result(child, e, sampler, target_cpu_s, duration_s):
    err = child.stderr()
    s = parse_summary(err) if sampler.tool == "cspy" else None
    samples = s.samples if s else perf_samples(err)
    # perf record ends a SIGINT with a non-zero status after writing its data
    ok = e.code == 0 or (sampler.tool == "perf" and samples is not None)
    return {"ok": ok, "cpu_s": e.cpu_s, "maxrss_kib": e.maxrss_kib,
            "wall_s": (e.reaped_ns - child.started_ns) / 1e9, "samples": samples,
            "summary": s, "target_cpu_s": target_cpu_s, "duration_s": duration_s,
            "error": None if ok else err[-300:]}


def record_steady(env: Env, target, sampler: Sampler, warm_s: float, steady_s: float):
    """One recording stopped by SIGINT: cspy's (or perf's) CPU and the target's on-CPU time
    are read warm_s after the sampler is on and again steady_s later, which gives the
    steady-state cost without cspy's start-up (loading symbols)."""
    out = env.path("cost.svg" if sampler.tool == "cspy" else "cost.perf.data")
    t_before = procs.oncpu_ns(target.pid)
    child = procs.spawn(sampler.argv(env, target.pid, out, buildid=True),
                        stderr_path=env.path("cost.err"))
    if sampler.mode == "ptrace":
        ready = lambda: procs.tracer_of(target.pid) == child.pid  # noqa: E731
    else:
        ready = lambda: procs.has_perf_event_fd(child.pid)  # noqa: E731
    procs.wait_until(lambda: ready() or not procs.alive(child), 10)
    time.sleep(warm_s)
    a = (time.monotonic_ns(), procs.oncpu_ns(child.pid), procs.oncpu_ns(target.pid))
    time.sleep(steady_s)
    b = (time.monotonic_ns(), procs.oncpu_ns(child.pid), procs.oncpu_ns(target.pid))
    e = procs.stop(child)
    r = _result(child, e, sampler, (procs.oncpu_ns(target.pid) - t_before) / 1e9,
                (e.reaped_ns - child.started_ns) / 1e9)
    r["steady"] = {"wall_s": (b[0] - a[0]) / 1e9, "sampler_cpu_s": (b[1] - a[1]) / 1e9,
                   "target_cpu_s": (b[2] - a[2]) / 1e9}
    return r


def recording_configs(quick: bool):
    """(threads, Sampler) pairs."""
    rates = (100, 1000) if quick else RATES
    configs = [(1, Sampler("cspy", "perf_event", r)) for r in rates]
    configs += [(1, Sampler("cspy", "ptrace", r)) for r in rates]
    configs += [(1, Sampler("perf", "dwarf", r)) for r in rates]
    configs += [(2, Sampler("cspy", "perf_event", r)) for r in rates]
    return configs


def recording_cost(env: Env, reps: int, warm_s: float, steady_s: float, log):
    """{(threads, Sampler): [record_steady result]}; one julia at a time, each with its
    configurations in shuffled rounds."""
    configs = recording_configs(env.quick)
    results = {c: [] for c in configs}
    for threads in sorted({t for t, _ in configs}):
        mine = [c for c in configs if c[0] == threads]
        target = _julia(env, threads)
        try:
            time.sleep(0.3)
            for rep in range(reps):
                order = list(mine)
                random.Random(3000 + 10 * threads + rep).shuffle(order)
                for c in order:
                    results[c].append(record_steady(env, target, c[1], warm_s, steady_s))
                log(f"  recording cost, {threads} thread(s): round {rep + 1}/{reps} done")
        finally:
            procs.kill(target)
    return results


def cost_rows(results):
    rows = []
    for (threads, sampler), runs in results.items():
        ok = [r for r in runs if r["ok"] and r["samples"]]
        if not ok:
            rows.append({"threads": threads, "sampler": sampler, "failed": True,
                         "error": next((r["error"] for r in runs if r["error"]), "")})
            continue
        per = []
        for r in ok:
            st = r["steady"]
            # samples in the steady interval, from the rate achieved over the recording:
            # perf_event per target CPU-second, ptrace per wall second
            if sampler.mode == "ptrace":
                n = r["samples"] / r["duration_s"] * st["wall_s"]
            else:
                n = r["samples"] / max(r["target_cpu_s"], 1e-9) * st["target_cpu_s"]
            us = st["sampler_cpu_s"] / n * 1e6 if n > 0 else None
            per.append({
                "us": us,
                # what the steady rate does not explain; noise can make it slightly < 0
                "startup_ms": (max(0.0, r["cpu_s"] - us * 1e-6 * r["samples"]) * 1e3
                               if us else None),
                # the sampler's CPU per second of target CPU: with every thread busy,
                # x threads = its share of a core
                "core_pct_busy": (st["sampler_cpu_s"] / st["target_cpu_s"] * threads * 100
                                  if st["target_cpu_s"] > 0 and sampler.mode != "ptrace"
                                  else (us * sampler.rate * threads / 1e4 if us else None)),
            })
        med = lambda key: median([r[key] for r in ok])  # noqa: E731
        tcpu = med("target_cpu_s")
        rows.append({
            "threads": threads, "sampler": sampler, "failed": False,
            "samples": med("samples"), "cpu_s": med("cpu_s"),
            "ms_per_1000": median([r["cpu_s"] / r["samples"] * 1e6 for r in ok]),
            "steady_ms_per_1000": median([p["us"] for p in per]),
            "startup_ms": median([p["startup_ms"] for p in per]),
            "core_pct_busy": median([p["core_pct_busy"] for p in per]),
            "maxrss_mib": _mib(med("maxrss_kib")),
            "per_target_cpu_s": median([r["samples"] / r["target_cpu_s"] for r in ok
                                        if r["target_cpu_s"] > 0]),
            "per_wall_thread_s": median([r["samples"] / (r["duration_s"] * threads)
                                         for r in ok]),
            "lost": median([r["summary"].lost for r in ok if r["summary"]]),
            "unwind_fail_pct": median([r["summary"].unwind_fail_pct for r in ok
                                       if r["summary"]]),
            "truncated": median([r["summary"].truncated for r in ok if r["summary"]]),
            "target_cpu_share": median([r["target_cpu_s"] / (r["duration_s"] * threads)
                                        for r in ok]),
            "duration_s": med("duration_s"), "n": len(ok),
        })
    return rows


def post_processing(env: Env, reps: int, record_s: float, log):
    """cspy report vs perf script / perf report on recordings of the same julia."""
    raw, data = env.path("pp.raw"), env.path("pp.perf.data")
    target = _julia(env, 2)
    try:
        time.sleep(0.3)
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
                     "maxrss_mib": _mib(median([t["maxrss_kib"] for t in ts])),
                     "ms_per_1000": (wall / samples[name] * 1e6
                                     if wall and samples[name] else None),
                     "cpu_ms_per_1000": _per_1000(median([t["cpu_s"] for t in ts]),
                                                  samples[name])})
    return rows


def _mib(kib):
    return kib / 1024 if kib else None


def _per_1000(seconds, samples):
    return seconds / samples * 1e6 if seconds and samples else None


def hour_rss(env: Env, goal_samples: int, max_s: float, log):
    """A 10 kHz recording of julia --threads 2, stopped (SIGINT) once the target's on-CPU
    time says goal_samples were taken (task-clock: rate x CPU time), or after max_s."""
    sampler = Sampler("cspy", "perf_event", 10000)
    log(f"  memory: recording at 10 kHz until ~{goal_samples:,} samples (at most {max_s} s)")
    target = _julia(env, 2)
    try:
        time.sleep(0.3)
        before = procs.oncpu_ns(target.pid)
        child = procs.spawn(sampler.argv(env, target.pid, env.path("hour.svg")),
                            stderr_path=env.path("hour.err"))
        deadline = time.monotonic() + max_s
        timeline = []  # (estimated samples so far, cspy's resident MiB)
        while procs.alive(child) and time.monotonic() < deadline:
            est = (procs.oncpu_ns(target.pid) - before) / 1e9 * sampler.rate
            timeline.append((est, procs.rss_kib(child.pid) / 1024))
            if est >= goal_samples * 1.03:
                break
            time.sleep(0.2)
        e = procs.stop(child)
        r = _result(child, e, sampler, (procs.oncpu_ns(target.pid) - before) / 1e9,
                    (e.reaped_ns - child.started_ns) / 1e9)
    finally:
        procs.kill(target)
    r["goal_samples"] = goal_samples
    r["maxrss_mib"] = _mib(r["maxrss_kib"])
    # resident memory when a quarter, half and all of the samples had been taken
    r["rss_at"] = [next((m for n, m in timeline if n >= f * timeline[-1][0]), None)
                   for f in (0.25, 0.5, 1.0)] if timeline else []
    return r
