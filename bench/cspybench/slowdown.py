"""Section 1, target slowdown, two ways:
- whole runs: julia does a fixed amount of work (--runs K) alone, or with a sampler
  attached by PID right after it starts; every configuration once per round, rounds in
  shuffled order, medians over the rounds. Time = julia's own timing of the runs that
  began after the sampler was on (never run 1), wall and thread CPU time per run.
- windows (DESIGN.md, "Measuring overhead"): bench/workrate publishes its work done in
  shared memory; each sampler is switched on and off in alternating windows within one
  run (perf with -D -1 --control=fifo, cspy by starting and stopping `cspy record --pid`);
  slowdown = mean work rate of the two neighbouring off-windows / on-window rate - 1,
  median over the windows; "none" windows (nothing switched on) give the noise floor."""

import ctypes
import mmap
import os
import random
import select
import signal
import time

from . import procs
from .common import Env, Sampler, median, parse_summary, quartiles

RATES = (100, 1000, 10000)


def whole_run_configs(quick: bool):
    rates = (1000,) if quick else RATES
    configs = [None, "alone, again"]
    for mode in ("perf_event", "ptrace"):
        configs += [Sampler("cspy", mode, r) for r in rates]
    configs.append(Sampler("cspy", "perf_event", rates[-1], stack=8192))  # perf's copy size
    for mode in ("dwarf", "fp", "none"):
        configs += [Sampler("perf", mode, r) for r in rates]
    return configs


def _ready(sampler: Sampler, sampler_child, target_pid: int) -> bool:
    if sampler.tool == "cspy" and sampler.mode == "ptrace":
        return procs.tracer_of(target_pid) == sampler_child.pid
    return procs.has_perf_event_fd(sampler_child.pid)


def _run_seconds(stderr: str, what: str = "run seconds"):
    for line in stderr.splitlines():
        if line.startswith("julia: " + what):
            return [float(x) for x in line.split()[len(what.split()) + 1:]]
    return None


def whole_runs(env: Env, reps: int, runs_k: int, log):
    """Returns {config: [measurement dict]} for whole_run_configs()."""
    configs = whole_run_configs(env.quick)
    results = {c: [] for c in configs}
    julia = env.target("julia")
    for rep in range(reps):
        order = list(configs)
        random.Random(1000 + rep).shuffle(order)
        for cfg in order:
            m = _one_whole_run(env, julia, runs_k, cfg)
            results[cfg].append(m)
        log(f"  whole runs: round {rep + 1}/{reps} done")
    return results


def _one_whole_run(env, julia, runs_k, cfg):
    target = procs.spawn([julia, "--runs", runs_k], stderr_path=env.path("julia.err"))
    sampler_child, ready_ns, switch = None, None, None
    if isinstance(cfg, Sampler) and cfg.tool == "cspy":
        sampler_child = procs.spawn(cfg.argv(env, target.pid, env.path("whole.svg")),
                                    stderr_path=env.path("sampler.err"))
        if procs.wait_until(lambda: _ready(cfg, sampler_child, target.pid)
                            or not procs.alive(target), 10) and procs.alive(target):
            ready_ns = time.monotonic_ns()
    elif isinstance(cfg, Sampler):
        # perf opens its events disabled and enables them after its set-up: switch them on
        # through --control to know when sampling starts.
        try:
            switch = _PerfSwitch(env, cfg, target.pid, "whole")
            switch.command(b"enable")
            ready_ns = time.monotonic_ns()
        except (RuntimeError, OSError):
            ready_ns = None
        sampler_child = switch.child if switch else None
    t_exit = procs.wait(target, 900)
    m = {"wall_s": (t_exit.reaped_ns - target.started_ns) / 1e9, "cpu_s": t_exit.cpu_s,
         "ok": t_exit.code == 0,
         "ready_s": (ready_ns - target.started_ns) / 1e9 if ready_ns else None}
    err = target.stderr()
    runs, cpus = _run_seconds(err), _run_seconds(err, "run cpu seconds")
    m["per_run_s"] = _mean_sampled_run(runs, runs, target.started_ns, ready_ns, cfg)
    m["per_run_cpu_s"] = _mean_sampled_run(runs, cpus, target.started_ns, ready_ns, cfg)
    if sampler_child is not None:
        try:
            s_exit = procs.wait(sampler_child, 120)
        except procs.Timeout:
            s_exit = procs.stop(sampler_child)
        if switch:
            switch.close()
        m["sampler_cpu_s"] = s_exit.cpu_s
        m["summary"] = parse_summary(sampler_child.stderr())
        if s_exit.code != 0 or ready_ns is None:
            m["ok"] = False
            m["error"] = sampler_child.stderr()[-300:] or "the sampler never started"
    if m["per_run_s"] is None:
        m["ok"] = False
    return m


def _mean_sampled_run(runs, values, started_ns, ready_ns, cfg):
    """Mean seconds per julia run over the runs that began after the sampler was on
    (a run's start is estimated from the spawn time, which is earlier than the truth, so
    the choice errs on the safe side); run 1 is never counted (warm-up)."""
    if not runs or not values or len(values) != len(runs):
        return None
    offset = 0.0 if cfg is None or isinstance(cfg, str) else (ready_ns - started_ns) / 1e9
    chosen, begin = [], 0.0
    for i, (r, v) in enumerate(zip(runs, values)):
        if i > 0 and begin >= offset:
            chosen.append(v)
        begin += r
    return sum(chosen) / len(chosen) if chosen else None


def _rel(m, key, base):
    return m[key] / base - 1 if m["ok"] and m.get(key) and base else None


def whole_run_table(results):
    """Rows: (config, slowdown steady wall, slowdown target CPU, n) against the first
    'alone' config; the 'alone, again' row is the noise floor."""
    def med(cfg, key):
        return median([m[key] for m in results[cfg] if m["ok"]])
    base_wall, base_cpu = med(None, "per_run_s"), med(None, "per_run_cpu_s")
    rows = []
    for cfg, ms in results.items():
        if cfg is None:
            continue
        wall, cpu = med(cfg, "per_run_s"), med(cfg, "per_run_cpu_s")
        rows.append({
            "config": cfg, "n": sum(1 for m in ms if m["ok"]),
            # per round (aligned across configurations, None where a run failed), for
            # paired comparisons
            "wall_series": [_rel(m, "per_run_s", base_wall) for m in ms],
            "cpu_series": [_rel(m, "per_run_cpu_s", base_cpu) for m in ms],
            "wall": None if wall is None or not base_wall else wall / base_wall - 1,
            "cpu": None if cpu is None or not base_cpu else cpu / base_cpu - 1,
            "ready_s": median([m.get("ready_s") for m in ms]),
            "errors": [m["error"] for m in ms if "error" in m][:1],
        })
    return {"base_wall_s": base_wall, "base_cpu_s": base_cpu, "rows": rows}


# ---- windows -------------------------------------------------------------------------

class _Counter:
    """The work counter bench/workrate publishes, and the target's on-CPU time."""

    def __init__(self, path: str, pid: int):
        self._f = open(path, "r+b")
        self._mm = mmap.mmap(self._f.fileno(), 4096)
        self._value = ctypes.c_uint64.from_buffer(self._mm)
        self.pid = pid

    def read(self):
        return time.monotonic_ns(), self._value.value, procs.oncpu_ns(self.pid)

    def close(self):
        del self._value
        self._mm.close()
        self._f.close()


class _PerfSwitch:
    """perf record attached with its events disabled (-D -1), switched through fifos."""

    def __init__(self, env: Env, sampler: Sampler, pid: int, tag: str):
        ctl, ack = env.path(f"{tag}.ctl"), env.path(f"{tag}.ack")
        for p in (ctl, ack):
            if os.path.exists(p):
                os.unlink(p)
            os.mkfifo(p)
        self.child = procs.spawn(
            sampler.argv(env, pid, env.path(f"{tag}.perf.data"),
                         extra=["-D", "-1", f"--control=fifo:{ctl},{ack}"]),
            stderr_path=env.path(f"{tag}.err"))
        self._ctl = os.open(ctl, os.O_RDWR)
        self._ack = os.open(ack, os.O_RDWR)
        try:
            self.command(b"disable")  # returns once perf's event loop runs
        except RuntimeError:
            self.close()
            raise

    def command(self, cmd: bytes):
        os.write(self._ctl, cmd + b"\n")
        ready, _, _ = select.select([self._ack], [], [], 20)
        if not ready:
            raise RuntimeError(f"perf did not acknowledge '{cmd.decode()}': "
                               + self.child.stderr()[-300:])
        os.read(self._ack, 64)

    def close(self):
        procs.stop(self.child)
        os.close(self._ctl)
        os.close(self._ack)


def window_configs(quick: bool):
    rates = (100,) if quick else RATES
    configs = []
    for r in rates:
        configs += [Sampler("cspy", "perf_event", r), Sampler("perf", "dwarf", r),
                    Sampler("perf", "none", r)]
        if not quick and r < 10000:  # ptrace at 10 kHz: whole runs show enough
            configs.append(Sampler("cspy", "ptrace", r))
    # perf's default stack copy is 8 KiB, cspy's 16 KiB: cspy with perf's, for a like
    # for like comparison
    configs.append(Sampler("cspy", "perf_event", rates[-1], stack=8192))
    return configs


def windows(env: Env, cycles: int, window_s: float, log, settle_s: float = 0.1,
            cspy_settle_s: float = 0.5, configs=None, target_argv=None, cspy_quiet=None):
    """Returns {config or None: [window dict]} (None: the nothing-switched-on floor).
    settle_s: pause between switching a sampler on and opening the on-window;
    cspy_settle_s for cspy, whose start-up (loading symbols) is not steady-state cost;
    cspy_quiet (a share of a core): then also wait (at most 5 s) until cspy used less than
    that over the last 0.25 s, for start-ups longer than cspy_settle_s (separate debug info).
    configs: default window_configs(); target_argv(counter_path): the command of a target
    that publishes its work as bench/workrate does (default bench/workrate itself)."""
    if configs is None:
        configs = window_configs(env.quick)
    counter_path = env.path("workrate.counter")
    if os.path.exists(counter_path):
        os.unlink(counter_path)
    argv = (target_argv(counter_path) if target_argv
            else [env.workrate, counter_path, 1800])
    target = procs.spawn(argv, stderr_path=env.path("wr.err"))
    perf = {}
    counter = None
    try:
        if not procs.wait_until(lambda: os.path.exists(counter_path)
                                and os.path.getsize(counter_path) == 4096, 30):
            raise RuntimeError(f"{argv[0]} published no counter: {target.stderr()[-300:]}")
        counter = _Counter(counter_path, target.pid)
        procs.wait_until(lambda: counter.read()[1] > 0, 10)
        for i, cfg in enumerate(configs):
            if cfg.tool == "perf":
                perf[cfg] = _PerfSwitch(env, cfg, target.pid, f"win{i}")
        return _cycle(env, target, counter, perf, configs, cycles, window_s,
                      (settle_s, cspy_settle_s, cspy_quiet), log)
    finally:
        for p in perf.values():
            p.close()
        if counter is not None:
            counter.close()
        procs.kill(target)


def _measure(counter, seconds, sampler_pid=None):
    s0 = procs.oncpu_ns(sampler_pid) if sampler_pid else 0
    t0, c0, cpu0 = counter.read()
    time.sleep(seconds)
    t1, c1, cpu1 = counter.read()
    s1 = procs.oncpu_ns(sampler_pid) if sampler_pid else 0
    return {"wall_rate": (c1 - c0) / max(t1 - t0, 1),
            "cpu_rate": (c1 - c0) / max(cpu1 - cpu0, 1),
            "sampler_core": (s1 - s0) / max(t1 - t0, 1) if sampler_pid else None}


def _cycle(env, target, counter, perf, configs, cycles, window_s, settle_s, log):
    seq = []  # alternating off-window, (config, on-window), off-window, ...
    for cycle in range(cycles):
        order = [None] + list(configs)
        random.Random(2000 + cycle).shuffle(order)
        for cfg in order:
            seq.append(_measure(counter, window_s))
            on, extra = _switch_on(env, cfg, target, perf)
            t_on = time.monotonic()
            time.sleep(settle_s[1] if cfg is not None and cfg.tool == "cspy" else settle_s[0])
            if on is not None and settle_s[2] is not None:
                _wait_quiet(on.pid, settle_s[2], t_on + 5)
            settled = time.monotonic() - t_on
            pid = (on.pid if on is not None else
                   perf[cfg].child.pid if cfg is not None and cfg.tool == "perf" else None)
            w = _measure(counter, window_s, pid)
            w.update(extra)
            w["settle_s"] = settled
            _switch_off(cfg, on, perf, w)
            seq.append((cfg, w))
            time.sleep(0.1)
        if (cycle + 1) % 4 == 0 or cycle + 1 == cycles:
            log(f"  windows: cycle {cycle + 1}/{cycles} done")
    seq.append(_measure(counter, window_s))
    out = {None: []}
    out.update({c: [] for c in configs})
    for i in range(1, len(seq) - 1, 2):
        cfg, w = seq[i]
        before, after = seq[i - 1], seq[i + 1]
        for key in ("wall_rate", "cpu_rate"):
            off = (before[key] + after[key]) / 2
            w[key.replace("rate", "slowdown")] = off / w[key] - 1 if w[key] > 0 else None
        out[cfg].append(w)
    return out


def _wait_quiet(pid: int, share: float, deadline: float, step_s: float = 0.25) -> None:
    """Returns once pid used less than share of a core over step_s, or at deadline."""
    while time.monotonic() < deadline:
        c0, t0 = procs.oncpu_ns(pid), time.monotonic_ns()
        time.sleep(step_s)
        if (procs.oncpu_ns(pid) - c0) / max(time.monotonic_ns() - t0, 1) < share:
            return


def _switch_on(env, cfg, target, perf):
    if cfg is None:
        return None, {}
    if cfg.tool == "perf":
        perf[cfg].command(b"enable")
        return None, {}
    out = env.path("win.folded")
    if os.path.exists(out):
        os.unlink(out)  # a failed recording must not pass for the last one
    child = procs.spawn(cfg.argv(env, target.pid, out),
                        stderr_path=env.path("win.err"))
    ok = procs.wait_until(lambda: _ready(cfg, child, target.pid) or not procs.alive(child), 10)
    return child, {"ready": ok and procs.alive(child)}


def _switch_off(cfg, child, perf, w):
    if cfg is None:
        return
    if cfg.tool == "perf":
        perf[cfg].command(b"disable")
        return
    procs.stop(child, signal.SIGINT)
    s = parse_summary(child.stderr())
    w["samples"] = s.samples if s else None
    w["sampler_ok"] = child.exit.code == 0
    w["folded"] = folded_summary(child.argv[child.argv.index("-o") + 1])


def folded_summary(path: str, frame: str = "julia_row") -> dict:
    """Of a folded recording: its samples, those under each `[python: ...]` frame (a read of
    the Python frames that failed: changed during read, unreadable ...), and those whose
    stack holds `frame`, or a method of that name (the workrate targets' work, native or
    Python)."""
    out = {"samples": 0, "markers": {}, "with_frame": 0}
    try:
        with open(path, errors="replace") as f:
            for line in f:
                stack, _, count = line.rstrip("\n").rpartition(" ")
                if not count.isdigit():
                    continue
                n = int(count)
                frames = stack.split(";")
                out["samples"] += n
                for m in {x for x in frames if x.startswith("[python:")}:
                    out["markers"][m] = out["markers"].get(m, 0) + n
                if any(x == frame or x.endswith("." + frame) for x in frames):
                    out["with_frame"] += n  # Class.method: qualified names (CPython 3.11+)
    except OSError:
        pass
    return out


def window_table(results):
    rows = []
    for cfg, ws in results.items():
        good = [w.get("ready", True) and w.get("sampler_ok", True) for w in ws]
        ws_ok = [w for w, g in zip(ws, good) if g]
        walls = [w["wall_slowdown"] for w in ws_ok]
        cpus = [w["cpu_slowdown"] for w in ws_ok]
        rows.append({"config": cfg, "n": len(ws_ok), "wall": median(walls),
                     # one window per cycle, aligned across configurations
                     "wall_series": [w["wall_slowdown"] if g else None
                                     for w, g in zip(ws, good)],
                     "cpu_series": [w["cpu_slowdown"] if g else None
                                    for w, g in zip(ws, good)],
                     "sampler_core": median([w["sampler_core"] for w in ws_ok]),
                     "wall_iqr": quartiles(walls), "cpu": median(cpus),
                     "cpu_iqr": quartiles(cpus),
                     "folded": _pooled([w["folded"] for w in ws_ok if "folded" in w]),
                     "settle_s": median([w.get("settle_s") for w in ws_ok]),
                     "settle_max_s": max((w.get("settle_s") or 0 for w in ws_ok), default=None),
                     "failed": len(ws) - len(ws_ok)})
    return rows


def _pooled(summaries):
    """folded_summary()s of several windows added up; None for none (no cspy)."""
    if not summaries:
        return None
    out = {"samples": 0, "markers": {}, "with_frame": 0}
    for s in summaries:
        out["samples"] += s["samples"]
        out["with_frame"] += s["with_frame"]
        for m, n in s["markers"].items():
            out["markers"][m] = out["markers"].get(m, 0) + n
    return out
