#!/usr/bin/env python3
"""Scale (issue 15, item 4): samplers attached by PID to many mostly idle threads, and to
a process that creates and joins threads at a steady rate. Samplers run side by side in
one run, in shuffled order per round; medians with min-max over the rounds.

Idle: `threads --idle N` (N threads waiting on a condition variable). Each sampler is
started on it (-r 1000); attach = from its start until its open descriptors first reach 99%
of their plateau (unchanged for 300 ms); fds and locked KiB (its [perf_event] mappings) are
read then; the threads are then told (SIGUSR1) to burn 3 ms of CPU each, one at a time, and
the recording ends 0.5 s after the last.
threads sampled = threads with a sample in pool_work (cspy: --threads roots);
samples = pool_work samples per thread (3 expected at 1 kHz).

Churn: `threads --churn R --churn-us U` creates R threads a second (batches every 10 ms,
joined), each spinning U us; the sampler records for S s at H Hz; samples per target
CPU-second (/proc/PID/stat, exited threads included) over H = the share of the churning
threads' time that was sampled; fds and RSS sampled every second (growth = last - the
value 2 s in).
  bench/scale.py --threads-bin PATH --sampler LABEL=CSPY_BINARY[@MAX_THREADS] ... [--perf]
                 [--counts 1000,4000] [--rounds 3] [--churn-seconds 60]
"""
import argparse
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cspybench.common import perf_samples, table  # noqa: E402


def fds_of(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None


def locked_kib(pid):
    total = 0
    try:
        with open(f"/proc/{pid}/maps") as f:
            for line in f:
                if "[perf_event]" in line:
                    a, b = line.split()[0].split("-")
                    total += int(b, 16) - int(a, 16)
    except OSError:
        return None
    return total // 1024


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_sampler(kind, binary, pid, rate, out, seconds):
    if kind == "perf":
        argv = ["perf", "record", "-q", "-e", "task-clock", "-F", str(rate), "--call-graph",
                "dwarf", "-p", str(pid), "-o", out]
    else:
        argv = [binary, "record", "-p", str(pid), "-r", str(rate), "--threads", "-f",
                "folded", "-o", out, "-d", str(seconds)]
    err = open(out + ".err", "w")
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err), out + ".err"


def stop(proc, timeout=120):
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def wait_attached(proc, started):
    """(seconds until the sampler's descriptors first reached 99% of their plateau, the
    plateau): polled every 5 ms until the count is unchanged for 300 ms."""
    series, last, last_change = [], fds_of(proc.pid), time.monotonic()
    while time.monotonic() - started < 120 and proc.poll() is None:
        time.sleep(0.005)
        n = fds_of(proc.pid)
        series.append((time.monotonic() - started, n or 0))
        if n != last:
            last, last_change = n, time.monotonic()
        elif n is not None and n > 8 and time.monotonic() - last_change > 0.3:
            break
    plateau = last or 0
    reached = next((t for t, n in series if n >= 0.99 * plateau), None)
    return reached, plateau


def folded_threads(path):
    """{thread root: pool_work samples} from folded stacks with --threads roots."""
    per = {}
    with open(path) as f:
        for line in f:
            stack, _, n = line.rpartition(" ")
            if "pool_work" in stack:
                root = stack.split(";", 1)[0]
                per[root] = per.get(root, 0) + int(n)
    return per


def idle_run(kind, binary, n, tmp):
    target = subprocess.Popen([ARGS.threads_bin, "--idle", str(n), "--burn-ms", "3"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert target.stdout.readline().strip() == "ready"
        out = os.path.join(tmp, f"{kind}.{n}.out")
        started = time.monotonic()
        proc, err = start_sampler(kind, binary, target.pid, 1000, out, 120)
        try:
            attach_s, fds = wait_attached(proc, started)
            locked = locked_kib(proc.pid)
            target.send_signal(signal.SIGUSR1)
            assert target.stdout.readline().strip() == "burned"
            time.sleep(0.5)
        finally:
            stop(proc)
        stderr = open(err).read()
        if kind == "perf":
            samples, sampled = perf_samples(stderr), None
        else:
            per = folded_threads(out)
            samples, sampled = sum(per.values()), len(per)
        lost = re.search(r"(\d+) lost", stderr)
        return dict(attach_ms=None if attach_s is None else attach_s * 1000, fds=fds, locked=locked, sampled=sampled,
                    per_thread=None if samples is None else samples / n,
                    lost=int(lost.group(1)) if lost else None, err=stderr.strip()[-300:])
    finally:
        target.kill()
        target.wait()


def churn_run(kind, binary, tmp):
    seconds, rate = ARGS.churn_seconds, 4000
    target = subprocess.Popen([ARGS.threads_bin, "--churn", "1000", "--churn-us", "500",
                               "--seconds", str(seconds + 30)], stdout=subprocess.PIPE, text=True)
    try:
        assert target.stdout.readline().strip() == "ready"
        out = os.path.join(tmp, f"{kind}.churn.out")
        proc, err = start_sampler(kind, binary, target.pid, rate, out, seconds + 5)
        time.sleep(1.0)
        try:
            c0, fds, rss = cpu_s(target.pid), [], []
            for _ in range(seconds):
                time.sleep(1.0)
                fds.append(fds_of(proc.pid))
                rss.append(rss_kib(proc.pid))
            c1 = cpu_s(target.pid)
        finally:
            stop(proc)
        stderr = open(err).read()
        if kind == "perf":
            samples = perf_samples(stderr)
        else:
            samples = sum(int(l.rpartition(" ")[2]) for l in open(out) if "churn_work" in l)
        # the recording is ~1 s longer than the CPU window on each side: scale to it
        expected = (c1 - c0) * rate * (seconds + 1.5) / seconds
        return dict(share=None if samples is None else samples / expected,
                    fds0=fds[1], fds1=fds[-1], rss0=rss[1], rss1=rss[-1], err=stderr.strip()[-300:])
    finally:
        target.kill()
        target.wait()


def spread(xs, fmt="{:.0f}"):
    xs = [x for x in xs if x is not None]
    if not xs:
        return "n/a"
    m = fmt.format(statistics.median(xs))
    return m if len(xs) == 1 else f"{m} [{fmt.format(min(xs))}–{fmt.format(max(xs))}]"


def main():
    samplers, most = [], {}
    for s in ARGS.sampler:
        label, binary = s.split("=", 1)
        binary, _, cap = binary.partition("@")
        samplers.append((label, binary))
        most[label] = int(cap) if cap else None
    if ARGS.perf:
        samplers.append(("perf --call-graph dwarf", None))
    tmp = tempfile.mkdtemp(prefix="cspy-scale-")
    idle = {}
    for rnd in range(ARGS.rounds):
        for n in ARGS.counts:
            order = samplers[:]
            random.shuffle(order)
            for label, binary in order:
                if most.get(label) is not None and n > most[label]:
                    continue
                kind = "perf" if binary is None else "cspy"
                r = idle_run(kind, binary, n, tmp)
                print(f"round {rnd} {label} {n}: {r}", file=sys.stderr)
                idle.setdefault((label, n), []).append(r)
    rows = []
    for n in ARGS.counts:
        for label, _ in samplers:
            rs = idle.get((label, n))
            if not rs:
                rows.append([label, n] + ["not run"] * 6 + [0])
                continue
            col = lambda k, fmt="{:.0f}": spread([r[k] for r in rs], fmt)
            rows.append([label, n, col("attach_ms"), col("fds"), col("locked"), col("sampled"),
                         col("per_thread", "{:.2f}"), col("lost"), len(rs)])
    print(table(["sampler", "threads", "attach (ms)", "fds", "locked KiB", "threads sampled",
                 "samples / thread (3 expected)", "lost", "rounds"], rows))
    if ARGS.churn_seconds > 0:
        rows = []
        for label, binary in samplers:
            kind = "perf" if binary is None else "cspy"
            r = churn_run(kind, binary, tmp)
            print(f"churn {label}: {r}", file=sys.stderr)
            rows.append([label, f"{r['share'] * 100:.0f}%" if r["share"] else "n/a",
                         f"{r['fds0']} → {r['fds1']}", f"{r['rss0'] / 1024:.1f} → {r['rss1'] / 1024:.1f}"])
        print()
        print(table(["sampler", "churning threads' CPU time sampled", "fds (2 s in → end)",
                     "RSS MiB (2 s in → end)"], rows))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads-bin", required=True)
    ap.add_argument("--sampler", action="append", default=[])
    ap.add_argument("--perf", action="store_true")
    ap.add_argument("--counts", type=lambda s: [int(x) for x in s.split(",")], default=[1000, 4000])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--churn-seconds", type=int, default=60)
    ARGS = ap.parse_args()
    main()
