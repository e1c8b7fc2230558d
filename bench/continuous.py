#!/usr/bin/env python3
"""Continuous recording (issue 12): `cspy record --every` on a running target for a long
time, uploading each interval to the loopback ingest receiver of the test suite, which is
stopped for a while in the middle.

Checks and prints: the number of interval files; that their samples add up to the total
cspy's summary gives; that consecutive files' pprof time_nanos/duration_nanos abut exactly
(no gap, no overlap); cspy's RSS over the run (flat: bounded memory); its CPU; the cut's
and the writes' longest time (from cspy's closing line); the intervals delivered (late
ones after the outage) and dropped. Prints a markdown section for docs/BENCHMARKS.md.
  bench/continuous.py --cspy build/cspy --target build/test_targets/julia
                      [--minutes 10] [--every 30] [--rate 100] [--outage 240-300]
"""
import argparse
import gzip
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cspybench import procs  # noqa: E402
from cspybench.common import table  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
RECEIVER = os.path.join(HERE, "..", "tests", "integration", "continuous", "ingest_receiver.py")


def varint(buf, i):
    shift = value = 0
    while True:
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return value, i


def fields(buf):
    """(field number, wire type, value) of a protobuf message: ints, or bytes for wire type 2."""
    i = 0
    while i < len(buf):
        key, i = varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = varint(buf, i)
        elif wire == 2:
            n, i = varint(buf, i)
            value, i = buf[i:i + n], i + n
        elif wire == 1:
            value, i = int.from_bytes(buf[i:i + 8], "little"), i + 8
        elif wire == 5:
            value, i = int.from_bytes(buf[i:i + 4], "little"), i + 4
        else:
            raise ValueError(f"wire type {wire}")
        yield number, wire, value


def pprof_interval(path):
    """(time_nanos, duration_nanos, samples) of a gzipped profile.proto: fields 9 and 10
    of Profile, and the first value (samples/count) of each Sample (field 2)."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    time_ns = duration_ns = samples = 0
    for number, wire, value in fields(data):
        if number == 9:
            time_ns = value
        elif number == 10:
            duration_ns = value
        elif number == 2 and wire == 2:
            for n, w, v in fields(value):
                if n == 2:  # values: packed (wire 2) or not
                    if w == 2:
                        samples += varint(v, 0)[0]
                    else:
                        samples += v
                    break
    return time_ns, duration_ns, samples


SUMMARY_RE = re.compile(r"cspy: (\d+) samples in ([\d.]+) s .*?, (\d+) lost")


def parse_summary(err):
    """(samples, seconds, lost) from cspy's summary line, or None."""
    m = SUMMARY_RE.search(err)
    return (int(m.group(1)), float(m.group(2)), int(m.group(3))) if m else None


def cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")


def start_receiver(directory, port=0):
    p = subprocess.Popen([sys.executable, RECEIVER, "--dir", directory, "--port", str(port)],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = p.stdout.readline()
    if not line.startswith("listening "):
        p.kill()
        raise SystemExit(f"the receiver did not start: {line!r}")
    return p, int(line.split()[1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cspy", required=True)
    ap.add_argument("--target", required=True, help="test_targets' julia")
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--every", type=int, default=30, help="seconds per interval")
    ap.add_argument("--rate", type=int, default=100)
    ap.add_argument("--outage", default="240-300", help="seconds FROM-TO the receiver is down")
    args = ap.parse_args()
    procs.install_cleanup()
    seconds = args.minutes * 60
    down_from, down_to = (float(x) for x in args.outage.split("-"))
    work = tempfile.mkdtemp(prefix="cspy-continuous-")
    files, received = os.path.join(work, "files") + "/", os.path.join(work, "received")
    target = procs.spawn([args.target, "--seconds", str(int(seconds + 60))])
    time.sleep(0.5)
    receiver, port = start_receiver(received)
    url = f"http://127.0.0.1:{port}"
    err_path = os.path.join(work, "cspy.err")
    cspy = procs.spawn([args.cspy, "record", "--pid", target.pid, "--rate", args.rate,
                        "--duration", int(seconds), "--every", f"{args.every}s", "-o", files,
                        "--upload", url, "--tag", "bench=continuous"], stderr_path=err_path)
    began = time.monotonic()
    rss = []  # (seconds, KiB)
    state = "up"
    while procs.alive(cspy):
        t = time.monotonic() - began
        try:
            rss.append((t, procs.rss_kib(cspy.pid)))
            cpu = cpu_s(cspy.pid)
        except (OSError, ValueError):
            pass
        if state == "up" and t >= down_from:
            receiver.kill()
            receiver.wait()
            state = "down"
        elif state == "down" and t >= down_to:
            receiver, _ = start_receiver(received, port)
            state = "back"
        time.sleep(1)
    exit_ = procs.wait(cspy, 120)
    receiver.kill()
    receiver.wait()
    procs.kill(target)
    err = cspy.stderr()
    summary = parse_summary(err)
    names = sorted(n for n in os.listdir(files) if n.endswith(".pb.gz"))
    intervals = [pprof_interval(os.path.join(files, n)) for n in names]
    total = sum(s for _, _, s in intervals)
    gaps = [b[0] - (a[0] + a[1]) for a, b in zip(intervals, intervals[1:])]
    bodies = [n for n in os.listdir(received) if n.endswith(".pb.gz")]
    body_total = sum(pprof_interval(os.path.join(received, n))[2] for n in bodies)
    upload = re.search(r"uploaded (\d+) intervals .*\((\d+) after retries\), (\d+) dropped, "
                       r"(\d+) failed attempts", err)
    wrote = re.search(r"longest cut ([\d.]+) ms, slowest write (\d+) ms", err)
    warnings = err.count("warning: cannot upload")

    def rss_at(s):
        near = [kib for t, kib in rss if t >= s]
        return near[0] if near else rss[-1][1]

    steady = [kib for t, kib in rss if t >= 60]
    commit = subprocess.run(["git", "-C", HERE, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    print(f"## Continuous recording (issue 12): {args.minutes:g} min at {args.rate} Hz, "
          f"--every {args.every}s, receiver down {down_from:.0f}-{down_to:.0f} s\n")
    print(f"`bench/continuous.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
          f"cspy {commit}; julia (one busy thread) attached by PID, `--upload` to the test "
          f"suite's loopback ingest receiver, which was killed at {down_from:.0f} s and started "
          f"again on the same port at {down_to:.0f} s. cspy exit code {exit_.code}.\n")
    rows = [
        ["interval files", f"{len(names)} (expected {int(seconds // args.every)})"],
        ["samples in the files / cspy's total",
         f"{total:,} / {summary[0]:,}" if summary else f"{total:,} / n/a"],
        ["gaps or overlaps between consecutive files (time_nanos + duration_nanos vs next)",
         f"{sum(1 for g in gaps if g != 0)} of {len(gaps)} (max |Δ| {max((abs(g) for g in gaps), default=0)} ns)"],
        ["interval durations", f"{min(d for _, d, _ in intervals) / 1e9:.3f}–"
                               f"{max(d for _, d, _ in intervals) / 1e9:.3f} s"],
        ["lost samples (kernel)", f"{summary[2] if summary else 'n/a'}"],
        ["cspy RSS at the end of each minute (MiB)",
         " ".join(f"{rss_at(60 * m) / 1024:.1f}" for m in range(1, int(args.minutes) + 1))],
        ["cspy RSS after the first minute, min–max", f"{min(steady) / 1024:.1f}–{max(steady) / 1024:.1f} MiB"
         if steady else "n/a"],
        ["cspy CPU", f"{cpu:.1f} s in {rss[-1][0]:.0f} s ({100 * cpu / max(rss[-1][0], 1):.2f}% of a core)"],
        ["longest cut on the sampling thread / slowest interval write",
         f"{wrote.group(1)} ms / {wrote.group(2)} ms" if wrote else "n/a"],
        ["uploads delivered (late, after the outage) / dropped / failed attempts",
         f"{upload.group(1)} ({upload.group(2)}) / {upload.group(3)} / {upload.group(4)}"
         if upload else "n/a"],
        ["bodies the receiver saved, their samples", f"{len(bodies)}, {body_total:,}"],
        ["'cannot upload' warnings", f"{warnings}"],
    ]
    print(table(["what", "measured"], rows))
    print()
    print("cspy's closing lines:\n")
    print("```")
    for line in err.strip().splitlines()[-6:]:
        print(line)
    print("```")
    ok = (summary is not None and total == summary[0] and not any(gaps)
          and len(names) == int(seconds // args.every) and exit_.code == 0)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
