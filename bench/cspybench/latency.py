"""Section 4, latency: from starting `cspy record --pid` to its first sample, and
`cspy dump --pid` end to end, on julia and on CPython 3.11 (libpython with full DWARF)
running julia1.py, alternately.
- "taken": the first sample's kernel timestamp (CLOCK_MONOTONIC, read from the --raw file)
  minus the moment the driver started cspy;
- "processed": when cspy had unwound and symbolized its first samples (the
  `first samples processed at CLOCK_MONOTONIC` debug line, CSPY_LOG=debug)."""

import os
import re
import struct
import time

from . import procs
from .common import Env, median

_PROCESSED = re.compile(r"first samples processed at CLOCK_MONOTONIC (\d+) ns")


def first_raw_sample_ns(path: str):
    """The time_ns of the first sample in a cspy raw file (format: src/sampling/raw_file.cpp)."""
    try:
        with open(path, "rb") as f:
            if f.read(8) != b"CSPYRAW1":
                return None
            f.read(4)
            while True:
                t = f.read(1)
                if not t:
                    return None
                if t[0] == 1:
                    _tid, time_ns = struct.unpack("<IQ", f.read(12))
                    return time_ns
                if t[0] == 2:
                    f.read(12)
                elif t[0] == 3:
                    (n,) = struct.unpack("<I", f.read(4))
                    f.seek(n, os.SEEK_CUR)
                else:
                    return None
    except (OSError, struct.error):
        return None


def _targets(env: Env):
    t = {"julia": [env.target("julia"), "--seconds", 100000]}
    if env.python and os.access(env.python, os.X_OK):
        # 2000 wide: about 4x the book's work, so that it outlives the measurements
        t["CPython 3.11 julia1.py"] = [env.python, env.target("julia1.py"), 2000, 300]
    return t


def measure(env: Env, reps: int, log):
    argvs = _targets(env)
    running = {name: procs.spawn(a, stderr_path=env.path("lat-target.err"))
               for name, a in argvs.items()}
    results = {name: {"taken_ms": [], "processed_ms": [], "dump_ms": [], "dump_ok": 0,
                      "errors": []} for name in argvs}
    dbg = dict(os.environ, CSPY_LOG="debug")
    try:
        time.sleep(1.0)  # CPython: past start-up, into the loop
        for rep in range(reps):
            for name, child in running.items():
                if not procs.alive(child):  # finished its work: start it again
                    procs.wait(child, 10)
                    results[name]["errors"].append("(the target had exited; restarted)")
                    child = running[name] = procs.spawn(argvs[name])
                    time.sleep(1.0)
                _one(env, child.pid, results[name], dbg)
            log(f"  latency: round {rep + 1}/{reps} done")
    finally:
        for child in running.values():
            procs.kill(child)
    rows = []
    for name, r in results.items():
        rows.append({"target": name, "n": len(r["taken_ms"]),
                     "taken_ms": median(r["taken_ms"]), "processed_ms": median(r["processed_ms"]),
                     "max_processed_ms": max(r["processed_ms"], default=None),
                     "dump_ms": median(r["dump_ms"]), "dump_ok": r["dump_ok"],
                     "dump_n": len(r["dump_ms"]), "errors": r["errors"]})
    return rows


def _one(env, pid, r, dbg):
    raw = env.path("lat.raw")
    if os.path.exists(raw):
        os.unlink(raw)
    child, e = procs.run([env.cspy, "record", "--pid", pid, "-r", 1000, "-d", 1, "--raw", raw,
                          "-o", env.path("lat.folded")], timeout_s=120,
                         stderr_path=env.path("lat.err"), env=dbg)
    if e.code != 0:
        r["errors"].append(f"cspy record exited {e.code}: {child.stderr().strip()[-200:]}")
    else:
        taken = first_raw_sample_ns(raw)
        if taken:
            r["taken_ms"].append((taken - child.started_ns) / 1e6)
        m = _PROCESSED.search(child.stderr())
        if m:
            r["processed_ms"].append((int(m.group(1)) - child.started_ns) / 1e6)
    child, e = procs.run([env.cspy, "dump", "--pid", pid], timeout_s=120,
                         stderr_path=env.path("dump.err"))
    r["dump_ms"].append((e.reaped_ns - child.started_ns) / 1e6)
    r["dump_ok"] += e.code == 0
    if e.code != 0:
        r["errors"].append(f"cspy dump exited {e.code}: {child.stderr().strip()[-200:]}")
