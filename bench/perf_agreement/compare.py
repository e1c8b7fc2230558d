#!/usr/bin/env python3
"""Compares cspy with `perf record --call-graph dwarf` on the same live process.

Starts a program, attaches cspy and perf to it at the same time for the same duration,
and compares the five hottest functions by self samples (perf: `perf report
--no-children --sort sym`; cspy: the leaf frame of each folded stack, recorded with
--no-inline so both count physical functions). Prints a table and exits 1 if any of
perf's top five differs from cspy's share by more than --tolerance percentage points.

Usage: compare.py --cspy build/cspy [--seconds 6] [--rate 999] -- program args...
"""
import argparse
import collections
import os
import re
import subprocess
import sys
import tempfile
import time


def normalize(name):
    # perf names a function by its ELF symbol ("hypot@@GLIBC_2.35"), cspy by its DWARF
    # name, which for glibc is often the internal alias ("__hypot", "__GI_memcpy").
    name = re.sub(r"@.*$", "", name).strip()
    return re.sub(r"^(__GI_|__libc_|__)", "", name)


def perf_self_shares(perf_data):
    out = subprocess.run(
        ["perf", "report", "-i", perf_data, "--no-children", "--sort", "sym", "--stdio",
         "-q", "-g", "none", "--percent-limit", "0.5"],
        capture_output=True, text=True, check=True).stdout
    shares = collections.Counter()
    for line in out.splitlines():
        m = re.match(r"\s*([\d.]+)%\s+\[[.k]\]\s+(.+?)\s*$", line)
        if m:
            shares[normalize(m.group(2))] += float(m.group(1))
    return shares


def cspy_self_shares(folded):
    counts = collections.Counter()
    total = 0
    with open(folded) as f:
        for line in f:
            stack, _, n = line.rstrip("\n").rpartition(" ")
            leaf = stack.rsplit(";", 1)[-1]
            counts[normalize(leaf)] += int(n)
            total += int(n)
    return {k: 100.0 * v / total for k, v in counts.items()}, total


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cspy", required=True)
    parser.add_argument("--seconds", type=float, default=6)
    parser.add_argument("--rate", type=int, default=999)
    parser.add_argument("--tolerance", type=float, default=3.0)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    tmp = tempfile.mkdtemp(prefix="cspy-vs-perf-")
    folded = os.path.join(tmp, "cspy.folded")
    perf_data = os.path.join(tmp, "perf.data")

    target = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        seconds = str(args.seconds)
        perf = subprocess.Popen(
            ["perf", "record", "-q", "-e", "task-clock", "-F", str(args.rate), "--call-graph",
             "dwarf,16384", "-p", str(target.pid), "-o", perf_data, "--", "sleep", seconds],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cspy = subprocess.run(
            [args.cspy, "record", "--pid", str(target.pid), "-d", seconds, "-r", str(args.rate),
             "--no-inline", "-q", "-o", folded], capture_output=True, text=True)
        perf.wait()
        if cspy.returncode != 0:
            sys.exit("cspy failed: " + cspy.stderr)
    finally:
        target.kill()
        target.wait()

    theirs = perf_self_shares(perf_data)
    ours, total = cspy_self_shares(folded)
    print(f"{'function':40} {'perf %':>8} {'cspy %':>8} {'diff pp':>8}")
    worst = 0.0
    for name, share in theirs.most_common(5):
        mine = ours.get(name, 0.0)
        worst = max(worst, abs(mine - share))
        print(f"{name[:40]:40} {share:8.2f} {mine:8.2f} {mine - share:+8.2f}")
    print(f"cspy samples: {total}; largest difference among perf's top five: {worst:.2f} pp "
          f"(tolerance {args.tolerance} pp)")
    sys.exit(0 if worst <= args.tolerance else 1)


if __name__ == "__main__":
    main()
