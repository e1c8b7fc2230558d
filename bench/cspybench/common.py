"""Shared pieces: where the binaries are, the samplers being compared (how to start each
against a PID), cspy's summary line, and the statistics (medians, quartiles)."""

import math
import os
import re
import statistics
from dataclasses import dataclass


@dataclass
class Env:
    root: str      # the repository
    build: str     # the build dir run.sh made
    tmp: str       # a tmpfs scratch dir (outputs are discarded there)
    quick: bool
    python: str    # a CPython with DWARF in libpython, for the large-binary cases

    @property
    def cspy(self) -> str:
        return os.path.join(self.build, "cspy")

    def target(self, name: str) -> str:
        return os.path.join(self.build, "test_targets", name)

    @property
    def workrate(self) -> str:
        return os.path.join(self.build, "bench", "workrate")

    @property
    def workrate_py(self) -> str:
        return os.path.join(self.root, "bench", "workrate.py")

    def path(self, name: str) -> str:
        return os.path.join(self.tmp, name)


@dataclass(frozen=True)
class Sampler:
    """One way of sampling a running PID at a rate: cspy (perf_event or ptrace) or perf."""
    tool: str        # "cspy" or "perf"
    mode: str        # cspy: perf_event | ptrace; perf: dwarf | fp | none
    rate: int
    stack: int = 0   # bytes of stack copied per sample; 0: the tool's default
    flags: tuple = ()  # cspy: more options, e.g. ("--no-python",)

    @property
    def label(self) -> str:
        if self.tool == "cspy":
            return (f"cspy {self.mode}" + (f", {self.stack // 1024} KiB stack" if self.stack
                                            else "")
                    + "".join(f" {f}" for f in self.flags))
        return {"dwarf": "perf --call-graph dwarf", "fp": "perf --call-graph fp",
                "none": "perf, no call graph"}[self.mode]

    def argv(self, env: Env, pid: int, out: str, duration_s: float = 0, extra=(),
             buildid: bool = False) -> list:
        """The command that samples pid until it exits (or for duration_s). perf skips its
        end-of-run build-id pass unless buildid (it happens after the target is measured;
        with it, perf reports the sample count)."""
        if self.tool == "cspy":
            cmd = [env.cspy, "record", "--pid", pid, "-r", self.rate, "--sampler", self.mode,
                   "-o", out]
            if duration_s:
                cmd += ["-d", duration_s]
            if self.stack:
                cmd += ["--stack-bytes", self.stack]
            return cmd + list(self.flags) + list(extra)
        cmd = ["perf", "record", "-e", "task-clock", "-F", self.rate, "-o", out, "-p", pid]
        if not buildid:
            cmd.append("-B")
        if self.mode != "none":
            cmd += ["--call-graph", self.mode]
        cmd += list(extra)
        if duration_s:
            cmd += ["--", "sleep", duration_s]
        return cmd


SUMMARY_RE = re.compile(
    r"cspy: (\d+) samples in ([\d.]+) s \(([\d.]+)/s\), (\d+) lost, ([\d.]+)% unwind failures, "
    r"(\d+) truncated, (\d+) threads")


@dataclass
class Summary:
    samples: int
    seconds: float
    per_s: float
    lost: int
    unwind_fail_pct: float
    truncated: int
    threads: int


def parse_summary(stderr: str) -> Summary | None:
    m = SUMMARY_RE.search(stderr)
    if not m:
        return None
    g = m.groups()
    return Summary(int(g[0]), float(g[1]), float(g[2]), int(g[3]), float(g[4]), int(g[5]),
                   int(g[6]))


PERF_SAMPLES_RE = re.compile(r"perf record: Captured and wrote .*\((\d+) samples\)")


def perf_samples(stderr: str) -> int | None:
    m = PERF_SAMPLES_RE.search(stderr)
    return int(m.group(1)) if m else None


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def median_ci(xs, level=0.95):
    """The median of xs and a distribution-free confidence interval for it (order
    statistics of the binomial(n, 1/2)); no interval for fewer than 5 values."""
    xs = sorted(x for x in xs if x is not None)
    n = len(xs)
    if n < 5:
        return (statistics.median(xs) if xs else None), None, None
    # the largest k with P(Binomial(n, 1/2) < k) <= (1 - level) / 2
    cdf, k = 0.0, 0
    while True:
        p = math.comb(n, k) / 2 ** n
        if cdf + p > (1 - level) / 2:
            break
        cdf += p
        k += 1
    k = max(k, 1)  # 5 values: min..max, a 94% interval
    return statistics.median(xs), xs[k - 1], xs[n - k]


def paired(a, b):
    """a[i] - b[i] where both exist (series aligned by round or cycle)."""
    return [x - y for x, y in zip(a, b) if x is not None and y is not None]


def quartiles(xs):
    xs = sorted(x for x in xs if x is not None)
    if len(xs) < 2:
        return (xs[0], xs[0]) if xs else (None, None)
    q = statistics.quantiles(xs, n=4, method="inclusive")
    return q[0], q[2]


def pct(x, digits=1, sign=True):
    if x is None:
        return "n/a"
    return f"{x * 100:+.{digits}f}%" if sign else f"{x * 100:.{digits}f}%"


def num(x, fmt="{:.1f}"):
    return "n/a" if x is None else fmt.format(x)


def table(header, rows) -> str:
    """A markdown table."""
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


@dataclass
class Goal:
    """One of issue 6's targets and how this run did against it."""
    name: str
    target: str
    measured: str
    met: bool | None   # None: not measurable in this run
    note: str = ""
