"""Section 3, accuracy: `split` spends 75% of its CPU time in work_a and 25% in work_b by
construction. cspy (both samplers) and perf --call-graph dwarf are attached in turn to the
same running split (and to `split --depth N`, deep recursion); the measured split is the
samples whose stack contains work_a over those containing work_a or work_b (folded
output for cspy, `perf script` for perf), its error in percentage points; for the deep
case also the fraction of samples whose stack reaches main through all N+1 recurse frames.
perf script is read twice: with its default --max-stack (127 frames) and with 1024."""

import random
import time
import re

from . import procs
from .common import Env, Sampler

TRUE_A = 0.75
_PERF_FRAME = re.compile(r"^\s+[0-9a-f]+\s+(.*?)(?:\+0x[0-9a-f]+)?\s+\(([^()]*)\)\s*$")


def _leafname(frame: str) -> str:
    """A frame's function name without a parameter list."""
    return frame if frame.startswith("(") else frame.split("(", 1)[0].strip()


def stacks_from_folded(path: str):
    """[(frames root-first, count)] from cspy's folded output."""
    out = []
    with open(path, errors="replace") as f:
        for line in f:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            if stack and count.isdigit():
                out.append((stack.split(";"), int(count)))
    return out


def stacks_from_perf_script(lines):
    """Yields (frames leaf-first, 1) per sample of `perf script` output (lines)."""
    frames, in_sample = [], False
    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            if in_sample:
                yield frames, 1
            frames, in_sample = [], False
        elif not line[0].isspace():
            if in_sample:
                yield frames, 1
            frames, in_sample = [], True
        else:
            m = _PERF_FRAME.match(line)
            frames.append(m.group(1) if m else line.strip())
    if in_sample:
        yield frames, 1


class Tally:
    def __init__(self):
        self.total = self.a = self.b = self.reach_main = 0

    def add(self, stacks, depth: int):
        for frames, n in stacks:
            names = [_leafname(f) for f in frames]
            self.total += n
            has_a, has_b = "work_a" in names, "work_b" in names
            self.a += n if has_a else 0
            self.b += n if has_b and not has_a else 0
            if "main" in names and names.count("recurse") >= depth + 1:
                self.reach_main += n

    def row(self):
        ab = self.a + self.b
        share = self.a / ab if ab else None
        return {"samples": self.total, "a_share": share,
                "error_pp": abs(share - TRUE_A) * 100 if share is not None else None,
                "outside_pct": (self.total - ab) / self.total * 100 if self.total else None,
                "reach_main_pct": self.reach_main / self.total * 100 if self.total else None}


def measure(env: Env, depths, reps: int, duration_s: float, rate: int, log):
    samplers = [Sampler("cspy", "perf_event", rate), Sampler("cspy", "ptrace", rate),
                Sampler("perf", "dwarf", rate)]
    labels = ["cspy perf_event", "cspy ptrace", "perf dwarf (8 KiB), perf script",
              "perf dwarf (8 KiB), perf script --max-stack 1024"]
    rows = {}
    for depth in depths:
        tallies = {label: Tally() for label in labels}
        target = procs.spawn([env.target("split"), "--seconds", 100000, "--depth", depth],
                             stderr_path=env.path("split.err"))
        try:
            time.sleep(0.3)
            for rep in range(reps):
                order = list(samplers)
                random.Random(5000 + rep).shuffle(order)
                for s in order:
                    _record(env, target, s, duration_s, depth, tallies)
        finally:
            procs.kill(target)
        for label, t in tallies.items():
            rows[(depth, label)] = t.row()
        log(f"  accuracy: split --depth {depth} done")
    return rows


def _record(env, target, sampler: Sampler, duration_s, depth, tallies):
    if sampler.tool == "cspy":
        out = env.path("split.folded")
        _, e = procs.run(sampler.argv(env, target.pid, out, duration_s),
                         timeout_s=duration_s + 120, stderr_path=env.path("acc.err"))
        if e.code == 0:
            tallies[f"cspy {sampler.mode}"].add(
                [(f, n) for f, n in stacks_from_folded(out)], depth)
        return
    data = env.path("split.perf.data")
    _, e = procs.run(sampler.argv(env, target.pid, data, duration_s),
                     timeout_s=duration_s + 120, stderr_path=env.path("acc.err"))
    if e.code != 0:
        return
    for extra, label in (([], "perf dwarf (8 KiB), perf script"),
                         (["--max-stack", "1024"],
                          "perf dwarf (8 KiB), perf script --max-stack 1024")):
        txt = env.path("split.script")
        with open(txt, "wb") as f:
            procs.run(["perf", "script", "-i", data] + extra, timeout_s=600, stdout=f,
                      stderr_path=env.path("acc.err"))
        with open(txt, errors="replace") as f:  # streamed: keeps the driver small
            tallies[label].add(stacks_from_perf_script(f), depth)
