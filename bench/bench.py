#!/usr/bin/env python3
"""cspy's benchmarks (issue 6): run by bench/run.sh after it has built cspy, the test
targets and bench/workrate. Runs every section, prints the report and writes it to
docs/BENCHMARKS.md (or, with --update, replaces just the sections run in it). Every process
it starts is stopped and reaped before it exits.
  bench.py --build DIR [--quick] [--out FILE] [--only SECTION,...] [--update] [--python PATH]
           [--pythons PATH,...]"""

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cspybench import (accuracy, cost, latency, machine, offcpu, procs, python,  # noqa: E402
                       report, slowdown)
from cspybench.common import Env  # noqa: E402

SECTIONS = ("whole", "windows", "cost", "post", "accuracy", "latency", "memory", "python",
            "offcpu")
# Sections that stand alone in the report (no goal or other section reads them): --update
# can measure them again and replace just theirs in an existing --out file.
STANDALONE = {"python": report.PYTHON_TITLE, "offcpu": report.OFFCPU_TITLE}


def params(quick: bool) -> dict:
    if quick:
        return dict(quick=True, runs_k=8, whole_reps=5, cycles=8, window_s=0.5, cost_reps=1,
                    cost_warm=1, cost_steady=2, pp_reps=3, pp_s=2, acc_reps=1, acc_s=2,
                    acc_rate=1000, acc_depths=(0, 200), lat_reps=3, mem_goal=36_000,
                    mem_max_s=20, py_cycles=5, offcpu_rounds=2, offcpu_window_s=3)
    return dict(quick=False, runs_k=10, whole_reps=5, cycles=20, window_s=0.5, cost_reps=2,
                cost_warm=1, cost_steady=4, pp_reps=5, pp_s=5, acc_reps=3, acc_s=3,
                acc_rate=1000, acc_depths=(0, 200), lat_reps=5, mem_goal=360_000,
                mem_max_s=150, py_cycles=10, offcpu_rounds=5, offcpu_window_s=5)


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def run_sections(env: Env, p: dict, only, res: dict, pythons=None) -> None:
    def want(name):
        return not only or name in only

    steps = [
        ("whole", "1. target slowdown, whole runs",
         lambda: slowdown.whole_run_table(
             slowdown.whole_runs(env, p["whole_reps"], p["runs_k"], log))),
        ("windows", "1. target slowdown, alternating windows",
         lambda: slowdown.window_table(
             slowdown.windows(env, p["cycles"], p["window_s"], log))),
        ("cost", "2/5. recording cost and sample fidelity",
         lambda: cost.cost_rows(cost.recording_cost(
             env, p["cost_reps"], p["cost_warm"], p["cost_steady"], log))),
        ("post", "2. post-processing",
         lambda: cost.post_processing(env, p["pp_reps"], p["pp_s"], log)),
        ("accuracy", "3. accuracy",
         lambda: accuracy.measure(env, p["acc_depths"], p["acc_reps"], p["acc_s"],
                                  p["acc_rate"], log)),
        ("latency", "4. latency", lambda: latency.measure(env, p["lat_reps"], log)),
        ("memory", "6. memory for an hour-equivalent",
         lambda: cost.hour_rss(env, p["mem_goal"], p["mem_max_s"], log)),
        ("python", "7. Python targets",
         lambda: python.measure(env, p["py_cycles"], p["window_s"], log, pythons)),
        ("offcpu", "11. off-CPU with many idle threads",
         lambda: offcpu.measure(env, p["offcpu_rounds"], p["offcpu_window_s"], log)),
    ]
    for name, title, fn in steps:
        if not want(name):
            continue
        log(f"{title} ...")
        t0 = time.monotonic()
        try:
            res[name] = fn()
        except Exception as e:  # noqa: BLE001 - one failing section must not lose the rest
            traceback.print_exc()
            res.setdefault("notes", []).append(f"section '{name}' failed: {e}")
        procs.kill_all()
        log(f"{title}: {time.monotonic() - t0:.0f} s")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", default=None, help="markdown file to write (default: none)")
    ap.add_argument("--only", default="", help="comma-separated: " + ",".join(SECTIONS))
    ap.add_argument("--python", default="/root/.pyenv/versions/3.11.7/bin/python3.11")
    ap.add_argument("--pythons", default="",
                    help="comma-separated interpreters for section 'python' (default: the "
                    "newest pyenv CPython 3.8-3.13 each, and /usr/bin/python3.11)")
    ap.add_argument("--update", action="store_true",
                    help="replace only the --only sections in the existing --out file (for "
                    "sections that stand alone: " + ",".join(STANDALONE) + ")")
    args = ap.parse_args()
    only = [s for s in args.only.split(",") if s]
    for s in only:
        if s not in SECTIONS:
            ap.error(f"unknown section {s}")
    if args.update and (not only or not args.out or any(s not in STANDALONE for s in only)):
        ap.error("--update needs --out and --only with sections among "
                 + ",".join(STANDALONE))
    pythons = [(python.version_label(x), x) for x in args.pythons.split(",") if x] or None
    if shutil.which("perf") is None:
        print("bench: perf is not installed (apt-get install linux-perf)", file=sys.stderr)
        return 1

    procs.install_cleanup()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    tmp = tempfile.mkdtemp(prefix="cspy-bench.", dir="/dev/shm")
    env = Env(root, os.path.abspath(args.build), tmp, args.quick, args.python)
    p = params(args.quick)
    m = machine.describe(root)
    t0 = time.monotonic()
    res = {}
    try:
        run_sections(env, p, only, res, pythons)
    finally:
        procs.kill_all()
        shutil.rmtree(tmp, ignore_errors=True)
    m["load_end"] = machine.load()
    m["max_sample_rate_end"] = machine.describe(root)["max_sample_rate"]
    m["elapsed"] = f"{(time.monotonic() - t0) / 60:.1f} min"
    m["driver_rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if m["max_sample_rate_end"] != m["max_sample_rate"]:
        res.setdefault("notes", []).append(
            "the kernel lowered perf_event_max_sample_rate during the run (interrupts took "
            "too long): later high-rate results are capped")
    if args.update:
        return _update(args.out, res, m, p)
    md = report.render(res, machine.markdown(m), p)
    print(md)
    if args.out:
        with open(args.out, "w") as f:
            f.write(md)
        log(f"wrote {args.out}")
    return 0


def _update(out: str, res: dict, m: dict, p: dict) -> int:
    """Replaces the measured standalone sections in the existing file out; each says when
    and under what load it was measured, since the file's "Machine" is another run's."""
    with open(out) as f:
        md = f.read()
    run_md = (f"Measured separately (`bash bench/run.sh{' --quick' if p['quick'] else ''} "
              f"--only {','.join(k for k in STANDALONE if k in res)} --update`): "
              f"{m['date']}, cspy {m['cspy']}, {m['elapsed']}; load average (1/5/15 min) "
              f"{m['load_start']} at the start, {m['load_end']} at the end.")
    for name, title in STANDALONE.items():
        if name == "python" and res.get("python"):
            md = report.replace_section(md, title,
                                        report.python_section(res["python"], p, run_md))
        if name == "offcpu" and res.get("offcpu"):
            md = report.replace_section(md, title, offcpu.section(res["offcpu"], run_md))
    for n in res.get("notes", []):
        print(f"bench: {n}", file=sys.stderr)
    with open(out, "w") as f:
        f.write(md)
    log(f"updated {out}")
    return 0 if any(res.get(k) for k in STANDALONE) else 1


if __name__ == "__main__":
    sys.exit(main())
