"""Section 7, Python targets (issue 10): the slowdown of a CPython process that cspy samples
with its Python frames read from memory at every sample (the default; perf_event then
wakes cspy at each sample) against native frames only (`--no-python`, woken per batch),
and how often a read fails (`[python: changed during read]` ...).
bench/workrate.py (julia1.py's inner loop, its work counted in shared memory) runs under
each installed CPython 3.8-3.13 and Debian's python3.11 in turn; for each, the alternating
windows of section 1 (slowdown.windows) with nothing on, cspy at 100 Hz, cspy --no-python
at 100 Hz, cspy at 1 kHz (and, but for --quick, cspy --no-python at 1 kHz); the
on-windows' folded outputs give the share of samples under a `[python: ...]` frame. That
loop calls no Python function, so its frames seldom change under a read: the share is also
taken on test_targets/hashtable.py, whose dict lookups call a Python __eq__ per probe."""

import glob
import os
import re
import subprocess
import time

from . import machine, procs, slowdown
from .common import Env, Sampler, median_ci, paired

PYENV = "/root/.pyenv/versions"
DEBIAN = "/usr/bin/python3.11"
MINORS = range(8, 14)

PY_100 = Sampler("cspy", "perf_event", 100)
NATIVE_100 = Sampler("cspy", "perf_event", 100, flags=("--no-python",))
PY_1000 = Sampler("cspy", "perf_event", 1000)
NATIVE_1000 = Sampler("cspy", "perf_event", 1000, flags=("--no-python",))


# The window opens once cspy used less than this share of a core over 0.25 s (at least 0.5 s
# after it started): its start-up reading python3.11-dbg's separate debug info for Debian's
# interpreter takes ~1 s here at 40-65% of a core; steady, it uses up to ~25% at 1 kHz.
QUIET = 0.3


def configs(quick: bool) -> list:
    """--no-python at 1 kHz (what waking per sample costs at 1 kHz) only in the full run."""
    return [PY_100, NATIVE_100, PY_1000] + ([] if quick else [NATIVE_1000])


def _version_key(path: str):
    m = re.search(r"/(\d+)\.(\d+)\.(\d+)/", path)
    return tuple(int(x) for x in m.groups()) if m else (0, 0, 0)


def interpreters() -> list:
    """(label, path) of the newest pyenv CPython of each minor version 3.8-3.13, then
    Debian's /usr/bin/python3.11 (stripped; its symbols from python3.11-dbg)."""
    out = []
    for minor in MINORS:
        found = sorted(glob.glob(f"{PYENV}/3.{minor}.*/bin/python3.{minor}"), key=_version_key)
        if found:
            out.append((".".join(map(str, _version_key(found[-1]))), found[-1]))
    if os.path.exists(DEBIAN):
        out.append((version_label(DEBIAN), DEBIAN))
    return out


def version_label(path: str) -> str:
    v = _version(path)
    return v + " (Debian)" if path.startswith("/usr/") else v


def _version(path: str) -> str:
    try:
        return subprocess.run([path, "-c", "import platform; print(platform.python_version())"],
                              capture_output=True, text=True, timeout=20).stdout.strip() or "?"
    except (OSError, subprocess.SubprocessError):
        return "?"


def measure(env: Env, cycles: int, window_s: float, log, pythons=None) -> list:
    """One entry per interpreter: its window_table rows, the comparisons, the load."""
    out = []
    for label, path in pythons or interpreters():
        log(f"  python: {label} ({path}) ...")
        entry = {"label": label, "path": path, "load_start": machine.load()}
        t0 = time.monotonic()
        try:
            res = slowdown.windows(
                env, cycles, window_s, lambda msg, label=label: log(f"  {label}:{msg}"),
                configs=configs(env.quick), cspy_quiet=QUIET,
                target_argv=lambda counter, path=path: [path, "-B", env.workrate_py, counter,
                                                        1800])
            entry["rows"] = slowdown.window_table(res)
            entry["compare"] = compare(entry["rows"])
            entry["calls"] = {rate: call_heavy(env, path, rate, secs)
                              for rate, secs in CALL_HEAVY}
        except Exception as e:  # noqa: BLE001 - one interpreter must not lose the others
            entry["error"] = str(e)
        procs.kill_all()
        entry["load_end"] = machine.load()
        entry["seconds"] = time.monotonic() - t0
        out.append(entry)
    return out


# hashtable.py's bad hash: every dict probe calls City.__eq__ (a Python function) from C,
# so Python frames come and go about a microsecond apart, unlike in workrate.py's loop.
HASHTABLE_KEYS = 60000   # its bad phase lasts > 8 s on any of the interpreters here
CALL_HEAVY = ((100, 5.0), (1000, 3.0))  # rate, seconds recorded


def call_heavy(env: Env, path: str, rate: int, seconds: float) -> dict:
    """folded_summary() of `cspy record --pid` (Python frames) at rate for seconds on
    test_targets/hashtable.py in its bad-hash phase (from 1 s after its start)."""
    out = env.path("calls.folded")
    if os.path.exists(out):
        os.unlink(out)
    target = procs.spawn([path, "-B", os.path.join(env.root, "test_targets", "hashtable.py"),
                          HASHTABLE_KEYS], stderr_path=env.path("calls.err"))
    try:
        time.sleep(1.0)
        cspy = Sampler("cspy", "perf_event", rate)
        _, rec = procs.run(cspy.argv(env, target.pid, out, duration_s=seconds, extra=["-q"]),
                           seconds + 60, stderr_path=env.path("calls.rec.err"))
        alive = procs.alive(target)
    finally:
        procs.kill(target)
    summary = slowdown.folded_summary(out, frame="__eq__")
    summary["ok"] = alive and rec.code == 0  # the whole recording in the bad phase
    return summary


def _row(rows, cfg):
    return next((r for r in rows if r["config"] == cfg), None)


def compare(rows) -> dict:
    """Paired by cycle, median and 95% interval: each configuration minus the nothing-on
    windows, and Python frames minus native only at 100 Hz; (median, lo, hi) per key."""
    floor = _row(rows, None)
    out = {}
    for name, a, b in (("py100-native100", PY_100, NATIVE_100), ("py100-floor", PY_100, None),
                       ("native100-floor", NATIVE_100, None),
                       ("py1000-floor", PY_1000, None), ("py1000-native1000", PY_1000,
                                                         NATIVE_1000)):
        ra, rb = _row(rows, a), (_row(rows, b) if b is not None else floor)
        if ra is None or rb is None:
            continue
        for key in ("cpu", "wall"):
            out[(name, key)] = median_ci(paired(ra[key + "_series"], rb[key + "_series"]))
    return out


def verdict(ci) -> str:
    """'within noise' when the interval holds 0, else which side it lies on."""
    _, lo, hi = ci
    if lo is None:
        return "n/a (fewer than 5 windows)"
    if lo > 0:
        return "slower"
    if hi < 0:
        return "faster"
    return "within noise"
