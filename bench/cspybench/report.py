"""docs/BENCHMARKS.md: the goals of issue 6 (met or not), then one table per section."""

from . import offcpu, python
from .common import Goal, Sampler, median_ci, num, paired, pct, table


def _cfg_label(cfg) -> str:
    if cfg is None:
        return "nothing (noise floor)"
    if isinstance(cfg, str):
        return f"{cfg} (noise floor)"
    return f"{cfg.label} @ {cfg.rate} Hz"


def _find(rows, tool, mode, rate, key="config", stack=0):
    for r in rows:
        c = r[key]
        if (isinstance(c, Sampler) and (c.tool, c.mode, c.rate) == (tool, mode, rate)
                and c.stack == stack):
            return r
    return None


def _pp(x):
    return "n/a" if x is None else f"{x * 100:+.1f} pp"


def _ci_text(m, lo, hi):
    return f"{_pp(m)} [{_pp(lo)}, {_pp(hi)}]" if lo is not None else _pp(m)


def _decide(lo, hi, limit):
    """True if the interval is wholly <= limit, False if wholly above, None if it straddles."""
    if lo is None:
        return None
    return True if hi <= limit else (False if lo > limit else None)


def _rate_goals(src, name, rate):
    c, d, f = (_find(src, "cspy", "perf_event", rate), _find(src, "perf", "dwarf", rate),
               _find(src, "perf", "none", rate))
    if not (c and d and f):
        return []
    c8 = _find(src, "cspy", "perf_event", rate, stack=8192)
    out = []
    for key, what in (("cpu", "target CPU"), ("wall", "wall")):
        series = key + "_series"
        vs_dwarf = median_ci(paired(c[series], d[series]))
        vs_floor = median_ci(paired(c[series], f[series]))
        below, near = _decide(*vs_dwarf[1:], -1e-12), _decide(*vs_floor[1:], 0.01)
        met = False if False in (below, near) else (True if below and near else None)
        text = (f"cspy {pct(c[key])}, perf dwarf {pct(d[key])}, no call graph {pct(f[key])}; "
                f"cspy − perf dwarf {_ci_text(*vs_dwarf)}, cspy − no call graph "
                f"{_ci_text(*vs_floor)}")
        if c8:
            v8 = median_ci(paired(c8[series], d[series]))
            text += (f"; cspy with perf's 8 KiB stack copy {pct(c8[key])}, − perf dwarf "
                     f"{_ci_text(*v8)}")
        out.append(Goal(f"slowdown at {rate} Hz, {what} ({name})",
                        "< perf dwarf, and within 1 pp of perf without call graph", text, met,
                        "" if met is not None else "within noise: an interval straddles"))
    return out


def goals(res) -> list:
    out = []
    whole, win = res.get("whole"), res.get("windows")
    if win:
        r = _find(win, "cspy", "perf_event", 100)
        floor = next((w for w in win if w["config"] is None), None)
        if r and floor:
            cpu = median_ci(paired(r["cpu_series"], floor["cpu_series"]))
            wall = median_ci(paired(r["wall_series"], floor["wall_series"]))
            met = _decide(*wall[1:], 0.01)
            out.append(Goal("slowdown at 100 Hz (windows, minus the nothing-on windows)",
                            "<= 1% (within noise)",
                            f"{_ci_text(*wall)} wall, {_ci_text(*cpu)} target CPU", met,
                            "" if met is not None else "within noise"))
    for rate in (1000, 10000):
        if win and _find(win, "cspy", "perf_event", rate):
            out += _rate_goals(win, "windows", rate)
        elif whole:
            out += _rate_goals(whole["rows"], "whole runs", rate)
    cost = res.get("cost")
    if cost:
        r = next((x for x in cost if not x["failed"] and x["threads"] == 1
                  and (x["sampler"].tool, x["sampler"].mode, x["sampler"].rate)
                  == ("cspy", "perf_event", 1000)), None)
        if r and r["core_pct_busy"] is not None:
            out.append(Goal("cspy CPU at 1000 Hz, one busy thread", "< 10% of a core",
                            f"{r['core_pct_busy']:.1f}% (steady state; "
                            f"{r['ms_per_1000']:.0f} ms CPU per 1000 samples with start-up)",
                            r["core_pct_busy"] < 10))
    pp = res.get("post")
    if pp:
        c = next(x for x in pp if x["tool"].startswith("cspy"))
        p = next(x for x in pp if x["tool"] == "perf script")
        cpu, wall = (_ratio(p["cpu_ms_per_1000"], c["cpu_ms_per_1000"]),
                     _ratio(p["ms_per_1000"], c["ms_per_1000"]))
        if cpu:
            out.append(Goal("samples→SVG (`cspy report`) vs `perf script`, per sample",
                            ">= 10x faster",
                            f"{cpu:.1f}x in CPU time, {num(wall, '{:.1f}x')} in wall time",
                            cpu >= 10))
    acc = res.get("accuracy")
    if acc:
        errs = [(d, r["error_pp"]) for (d, label), r in acc.items()
                if label == "cspy perf_event" and r["error_pp"] is not None]
        if errs:
            worst = max(e for _, e in errs)
            out.append(Goal("accuracy (split 75/25)", "within 2 pp",
                            ", ".join(f"depth {d}: {e:.1f} pp" for d, e in errs), worst <= 2))
    lat = res.get("latency")
    if lat:
        for r in lat:
            if r["taken_ms"] is None:
                continue
            out.append(Goal(f"attach to first sample, {r['target']}", "< 200 ms",
                            f"{r['taken_ms']:.0f} ms taken, {num(r['processed_ms'], '{:.0f}')} "
                            f"ms unwound and symbolized", r["taken_ms"] < 200))
    mem = res.get("memory")
    if mem and mem.get("samples") and mem.get("maxrss_mib"):
        full = mem["samples"] >= 360_000
        mb = mem["maxrss_mib"] * 1.048576
        out.append(Goal("peak RSS, an hour at 100 Hz (360,000 samples)", "< 50 MB",
                        f"{mb:.1f} MB ({mem['maxrss_mib']:.1f} MiB) after "
                        f"{mem['samples']:,} samples", mb < 50 if full else None,
                        "" if full else "fewer samples than an hour's: not judged"))
    return out


def _goal_table(gs) -> str:
    def verdict(g):
        return "—" if g.met is None else ("**met**" if g.met else "**not met**")
    return table(["goal", "target", "measured", "verdict"],
                 [(g.name, g.target, g.measured + (f" ({g.note})" if g.note else ""),
                   verdict(g)) for g in gs])


def whole_section(w, p) -> str:
    rows = [(_cfg_label(r["config"]), pct(r["wall"]), pct(r["cpu"]),
             num(r["ready_s"] * 1000 if r["ready_s"] else None, "{:.0f}"), r["n"])
            for r in w["rows"]]
    errors = [f"{_cfg_label(r['config'])}: {r['errors'][0].strip()}"
              for r in w["rows"] if r["errors"]]
    return "\n".join([
        f"julia `--runs {p['runs_k']}` (width 1000, max-iter 300), alone or with a sampler "
        f"attached by PID right after it started; every configuration once per round, "
        f"{p['whole_reps']} rounds in shuffled order; slowdown = median(with) / median(alone) "
        f"− 1, where julia times each run itself and only the runs that began after the "
        f"sampler was on count (never run 1; perf is started with its events off and "
        f"switched on through `--control` once it is set up, to know when that is). "
        f"**wall**: seconds per run; **target CPU**: the thread's CPU seconds per run "
        f"(CLOCK_THREAD_CPUTIME_ID; this kernel charges the sampling interrupt to the "
        f"interrupted thread), which the load of other processes does not inflate. Alone: "
        f"{num(w['base_wall_s'], '{:.3f}')} s wall, {num(w['base_cpu_s'], '{:.3f}')} s CPU "
        f"per run.", "",
        table(["sampler", "slowdown (wall)", "slowdown (target CPU)",
               "sampler on after (ms)", "runs"], rows),
        "" if not errors else "\nFailures: " + "; ".join(errors)])


def window_section(rows, p) -> str:
    out = [(_cfg_label(r["config"]), pct(r["wall"]),
            f"{pct(r['wall_iqr'][0])} … {pct(r['wall_iqr'][1])}", pct(r["cpu"]),
            f"{pct(r['cpu_iqr'][0])} … {pct(r['cpu_iqr'][1])}",
            num(r["sampler_core"] * 100 if r["sampler_core"] is not None else None, "{:.1f}%"),
            r["n"])
           for r in rows]
    return "\n".join([
        f"bench/workrate (julia's inner loop, work counted in shared memory) runs once; each "
        f"sampler is switched on for {p['window_s']} s windows between {p['window_s']} s "
        f"off-windows, all samplers interleaved in shuffled order, {p['cycles']} cycles. "
        f"perf: `perf record -D -1 --control=fifo:…` enable/disable; cspy: a "
        f"`cspy record --pid` started per window, the window opening 0.5 s after its perf "
        f"fd (or ptrace attachment) appears, so cspy's start-up is not in it. Slowdown of a "
        f"window = mean work rate of the two neighbouring off-windows / its rate − 1; median "
        f"and quartiles over the windows. **wall**: work per wall second; **target CPU**: "
        f"work per on-CPU second of the target (/proc schedstat).", "",
        table(["sampler", "slowdown (wall)", "quartiles", "slowdown (target CPU)", "quartiles",
               "sampler's CPU in the window (% of a core)", "windows"], out)])


def cost_section(rows) -> str:
    out = []
    for r in rows:
        s = r["sampler"]
        if r["failed"]:
            out.append((s.label, s.rate, r["threads"], "failed: " + (r["error"] or "")[:80],
                        *[""] * 6))
            continue
        out.append((s.label, s.rate, r["threads"], num(r["samples"], "{:.0f}"),
                    num(r["cpu_s"], "{:.2f}"),
                    num(r["ms_per_1000"], "{:.0f}"), num(r["steady_ms_per_1000"], "{:.1f}"),
                    num(r["startup_ms"], "{:.0f}"), num(r["core_pct_busy"], "{:.1f}%"),
                    num(r["maxrss_mib"], "{:.1f}")))
    return table(["sampler", "rate (Hz)", "target threads", "samples", "CPU (s)",
                  "CPU ms / 1000 samples", "steady µs / sample", "start-up CPU (ms)",
                  "% of a core, target busy", "peak RSS (MiB)"], out)


def fidelity_section(rows) -> str:
    out = []
    for r in rows:
        s = r["sampler"]
        if r["failed"] or s.tool != "cspy":
            continue
        out.append((s.label, s.rate, r["threads"], num(r["samples"], "{:.0f}"),
                    num(r["per_target_cpu_s"], "{:.0f}"), num(r["per_wall_thread_s"], "{:.0f}"),
                    num(r["target_cpu_share"] * 100 if r["target_cpu_share"] else None,
                        "{:.0f}%"),
                    num(r["lost"], "{:.0f}"), num(r["unwind_fail_pct"], "{:.1f}%"),
                    num(r["truncated"], "{:.0f}")))
    return table(["sampler", "requested (Hz/thread)", "threads", "samples",
                  "per target CPU-second", "per wall second per thread",
                  "target on CPU", "lost", "unwind failures", "truncated"], out)


def _ratio(a, b):
    return a / b if a and b else None


def post_section(rows) -> str:
    c = next(x for x in rows if x["tool"].startswith("cspy"))
    out = []
    for r in rows:
        out.append((f"`{r['tool']}`", r["samples"], num(r["wall_s"], "{:.2f}"),
                    num(r["cpu_s"], "{:.2f}"), num(r["ms_per_1000"], "{:.0f}"),
                    num(r["cpu_ms_per_1000"], "{:.0f}"),
                    num(_ratio(r["ms_per_1000"], c["ms_per_1000"]), "{:.1f}x"),
                    num(_ratio(r["cpu_ms_per_1000"], c["cpu_ms_per_1000"]), "{:.1f}x"),
                    num(r["maxrss_mib"], "{:.0f}"), r["n"]))
    return table(["command", "samples", "wall (s)", "CPU (s)", "wall ms / 1000 samples",
                  "CPU ms / 1000 samples", "time vs cspy (wall)", "time vs cspy (CPU)",
                  "peak RSS (MiB)", "runs"], out)


def accuracy_section(acc, p) -> str:
    out = []
    for (depth, label), r in acc.items():
        out.append((depth, label, r["samples"], num(r["a_share"] * 100 if r["a_share"] else None,
                                                    "{:.1f}%"),
                    num(r["error_pp"], "{:.2f}"), num(r["outside_pct"], "{:.1f}%"),
                    num(r["reach_main_pct"], "{:.1f}%")))
    return "\n".join([
        f"`split` (and `split --depth N`), {p['acc_reps']} × {p['acc_s']} s per sampler at "
        f"{p['acc_rate']} Hz, samplers in turn on the same process, counts pooled. The "
        f"work_a share counts samples whose stack holds work_a among those holding work_a or "
        f"work_b. A deep stack reaches main when it holds main and all N+1 `recurse` frames. "
        f"perf's recording is read twice: by `perf script` as it is (at most 127 frames, "
        f"kernel.perf_event_max_stack) and with `--max-stack 1024`, which separates the "
        f"limit of the 8 KiB stack copy from perf script's own.", "",
        table(["depth", "sampler", "samples", "work_a share (truth 75%)", "error (pp)",
               "samples in neither", "stack reaches main through every level"], out)])


def latency_section(rows) -> str:
    out = [(r["target"], r["n"], num(r["taken_ms"], "{:.0f}"), num(r["processed_ms"], "{:.0f}"),
            num(r["max_processed_ms"], "{:.0f}"), num(r["dump_ms"], "{:.0f}"),
            f"{r['dump_ok']}/{r['dump_n']}") for r in rows]
    errors = [f"- {r['target']}: {e}" for r in rows for e in r.get("errors", [])]
    return "\n".join([table(["target", "runs", "first sample taken (ms, median)",
                             "first samples unwound+symbolized (ms)", "worst (ms)",
                             "`cspy dump` end to end (ms)", "dump ok"], out)]
                     + (["", "Failures:", ""] + errors if errors else []))


def memory_section(m) -> str:
    s = m["summary"]
    rss_at = " / ".join(num(x, "{:.1f}") for x in m.get("rss_at") or [])
    return table(["recording", "samples", "of an hour at 100 Hz", "lost",
                  "unwind failures", "resident at ¼ / ½ / all samples (MiB)",
                  "peak RSS (MiB)", "CPU (s)"],
                 [(f"cspy perf_event @ 10000 Hz, julia --threads 2, {m['duration_s']:.0f} s",
                   f"{m['samples']:,}" if m["samples"] else "n/a",
                   f"{(m['samples'] or 0) / 360_000 * 100:.0f}%",
                   s.lost if s else "n/a", f"{s.unwind_fail_pct:.1f}%" if s else "n/a",
                   rss_at or "n/a", num(m["maxrss_mib"], "{:.1f}"), f"{m['cpu_s']:.1f}")])


def _marked(folded):
    """Share of samples under a `[python: ...]` frame, with the count and the kinds."""
    if not folded or not folded["samples"]:
        return "—"
    n = sum(folded["markers"].values())
    kinds = ", ".join(f"{k[len('[python: '):-1]} {v}" for k, v in sorted(folded["markers"].items()))
    return (f"{n / folded['samples'] * 100:.2f}% ({n} of {folded['samples']:,}"
            + (f": {kinds})" if kinds else ")"))


def _with_frame(folded):
    if not folded or not folded["samples"]:
        return "—"
    return f"{folded['with_frame'] / folded['samples'] * 100:.1f}%"


PYTHON_TITLE = "## 7. Python targets"
OFFCPU_TITLE = "## 12. Off-CPU time with many idle threads (issue 13)"


def python_section(entries, p, run_md: str = "") -> str:
    """Section 7: one block of rows per interpreter, then the comparisons per interpreter."""
    rows, comp, errors = [], [], []
    for e in entries:
        if "error" in e:
            errors.append(f"- {e['label']} ({e['path']}): {e['error'].strip()[:300]}")
            continue
        for r in e["rows"]:
            rows.append((e["label"], _cfg_label(r["config"]), pct(r["wall"]),
                         f"{pct(r['wall_iqr'][0])} … {pct(r['wall_iqr'][1])}", pct(r["cpu"]),
                         f"{pct(r['cpu_iqr'][0])} … {pct(r['cpu_iqr'][1])}",
                         num(r["sampler_core"] * 100 if r["sampler_core"] is not None
                             else None, "{:.1f}%"),
                         _marked(r["folded"]) if r["config"] in (python.PY_100, python.PY_1000)
                         else "—", _with_frame(r["folded"]),
                         "—" if r["config"] is None else
                         f"{num(r['settle_s'], '{:.2f}')} / {num(r['settle_max_s'], '{:.2f}')}",
                         r["n"]))
        c = e["compare"]

        def ci(name, key, c=c):
            return _ci_text(*c[(name, key)]) if (name, key) in c else "n/a"
        v_cpu = python.verdict(c[("py100-native100", "cpu")]) if c else "n/a"
        v_wall = python.verdict(c[("py100-native100", "wall")]) if c else "n/a"
        comp.append((e["label"], f"{ci('py100-native100', 'cpu')}: **{v_cpu}**",
                     f"{ci('py100-native100', 'wall')}: {v_wall}", ci("py100-floor", "cpu"),
                     ci("native100-floor", "cpu"), ci("py1000-floor", "cpu"),
                     ci("py1000-native1000", "cpu"),
                     f"{e['load_start'].split()[0]} / {e['load_end'].split()[0]}"))
    return "\n".join(
        ([run_md, ""] if run_md else []) + [
            f"bench/workrate.py (julia1.py's inner loop over the 1000 × 1000 grid, its "
            f"iterations counted in shared memory after each cell) runs under each "
            f"interpreter in turn; for each, the alternating windows of section 1 ("
            f"{p['window_s']} s on between {p['window_s']} s off, configurations shuffled "
            f"per cycle, {p['py_cycles']} cycles): nothing on, `cspy record --pid` (Python "
            f"frames read from the target at every sample; perf_event wakes cspy at each "
            f"sample) at 100 Hz, the same with `--no-python` (native frames only, woken per "
            f"batch) at 100 Hz, the default at 1 kHz"
            + ("" if p["quick"] else " and `--no-python` at 1 kHz") + ". Slowdowns, "
            f"quartiles and cspy's CPU as in \"Alternating windows\", but a window opens "
            f"0.5 s after cspy's perf fd appeared and then only once cspy used less than "
            f"{python.QUIET * 100:.0f}% of a core over a 0.25 s step (so after 0.75 s at the "
            f"least, 5 s at most): cspy's start-up with Debian's interpreter (python3.11-dbg's "
            f"separate debug info) takes about 1 s (target CPU: work per "
            f"on-CPU second of the target, which the other processes' load does not "
            f"inflate; wall is also hurt when cspy or others take the target's CPU). "
            f"**[python: …]**: samples under a frame naming a failed read of the Python "
            f"frames (`changed during read`: the frame chain moved while cspy read it), "
            f"pooled over the on-windows' recordings (each from its start, the settling "
            f"included, to its stop). "
            f"**julia_row**: samples whose stack holds the Python function julia_row "
            f"(0% with `--no-python`, where it is `_PyEval_EvalFrameDefault`).", "",
            table(["CPython", "configuration", "slowdown (wall)", "quartiles",
                   "slowdown (target CPU)", "quartiles", "cspy's CPU (% of a core)",
                   "samples under [python: …]", "julia_row",
                   "window opened after (s, median / max)", "windows"], rows), "",
            "Paired by cycle (each configuration's window against the same cycle's other "
            "window), median and distribution-free 95% interval in brackets"
            + (" (94%, min–max, for 5 cycles)" if p["py_cycles"] == 5 else "")
            + "; **within noise**: the interval holds 0. The issue 10 goal is the first "
            "column: Python frames at 100 Hz within noise of native only. Load: the 1-minute "
            "load average before / after the interpreter's windows (2 vCPUs).", "",
            table(["CPython", "Python frames − `--no-python`, 100 Hz (target CPU)",
                   "the same, wall", "Python frames @ 100 Hz − nothing (target CPU)",
                   "`--no-python` @ 100 Hz − nothing", "Python frames @ 1 kHz − nothing",
                   "Python frames − `--no-python`, 1 kHz", "load"], comp)]
        + ["", _marked_total(entries), "", _calls_text(p), "", _calls_table(entries)]
        + (["", "Failures:", ""] + errors if errors else []))


def _calls_text(p) -> str:
    secs = ", ".join(f"{s:.0f} s at {r} Hz" for r, s in python.CALL_HEAVY)
    return (f"workrate.py's loop calls no Python function: its frame chain seldom changes "
            f"while cspy reads it. `test_targets/hashtable.py {python.HASHTABLE_KEYS}` in its "
            f"bad-hash phase calls City.__eq__ (Python) from C at every dict probe, so frames "
            f"come and go about a microsecond apart: `cspy record --pid` (Python frames) on "
            f"it, from 1 s after its start, for {secs}, once per interpreter. Cells: samples "
            f"under a `[python: …]` frame; **__eq__**: samples whose stack holds the Python "
            f"method City.__eq__.")


def _calls_table(entries) -> str:
    rows = []
    for e in entries:
        if "calls" not in e:
            continue
        wr = {r["config"]: r["folded"] for r in e["rows"]}
        cells = [e["label"]]
        for cfg in (python.PY_100, python.PY_1000):
            cells.append(_marked(wr.get(cfg)))
        for rate, _ in python.CALL_HEAVY:
            c = e["calls"][rate]
            cells.append(_marked(c) + ("" if c["ok"] else " (ended early)"))
            cells.append(f"{c['with_frame'] / c['samples'] * 100:.1f}%" if c["samples"] else "—")
        rows.append(cells)
    head = ["CPython", "workrate.py, 100 Hz", "workrate.py, 1 kHz"]
    for rate, _ in python.CALL_HEAVY:
        head += [f"hashtable.py, {rate} Hz", "__eq__"]
    return table(head, rows)


def _marked_total(entries) -> str:
    """One line: the [python: ...] samples over every interpreter, per rate."""
    parts = []
    for cfg in (python.PY_100, python.PY_1000):
        folded = [r["folded"] for e in entries if "rows" in e for r in e["rows"]
                  if r["config"] == cfg and r["folded"]]
        total = sum(f["samples"] for f in folded)
        kinds = {}
        for f in folded:
            for k, v in f["markers"].items():
                kinds[k] = kinds.get(k, 0) + v
        n = sum(kinds.values())
        what = ", ".join(f"{v} `{k}`" for k, v in sorted(kinds.items())) or "none"
        parts.append(f"at {cfg.rate} Hz {n} of {total:,} samples "
                     f"({n / total * 100 if total else 0:.3f}%: {what})")
    return ("Samples of workrate.py under a `[python: …]` frame, all interpreters together: "
            + "; ".join(parts) + ".")


def replace_section(md: str, title: str, body: str) -> str:
    """md with its `## ` section headed title replaced by body (put before "## Notes", or
    at the end, if md has none); the other sections are kept as they are."""
    lines = md.rstrip("\n").split("\n")
    new = [title, "", body.rstrip("\n"), ""]
    start = next((i for i, x in enumerate(lines) if x == title), None)
    if start is None:
        start = end = next((i for i, x in enumerate(lines) if x == "## Notes"), len(lines))
        if end == len(lines):
            new.insert(0, "")
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")),
                   len(lines))
    out = lines[:start] + new + lines[end:]
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"


def render(res, machine_md: str, p: dict) -> str:
    parts = [
        "# cspy benchmarks",
        "",
        f"Written by `bash bench/run.sh{' --quick' if p['quick'] else ''}` (see README, "
        "\"Benchmarks\"). Every comparison below was measured side by side in this one run: "
        "configurations alternate (shuffled rounds), and figures are medians. Outputs went to "
        "tmpfs and were discarded. perf ran with `-e task-clock`, the event cspy uses.",
        "", "## Machine", "", machine_md, "",
        "## Goals (issue 6)", "",
        "Differences between samplers are paired by round (whole runs) or cycle (windows) and "
        "given as the median with a distribution-free 95% interval in brackets (94%, min–max, "
        "for 5 rounds); a goal is met or not when the interval lies wholly on one side of "
        "its limit, and left open (—) when it straddles it: within this run's noise.", "",
        _goal_table(goals(res)), ""]
    if res.get("whole"):
        parts += ["## 1. Target slowdown", "", "### Whole runs", "",
                  whole_section(res["whole"], p), ""]
    if res.get("windows"):
        parts += ["### Alternating windows", "", window_section(res["windows"], p), ""]
    if res.get("cost"):
        parts += ["## 2. cspy's own cost", "", "### Recording",
                  "", f"`record --pid` on a running julia (1 thread, then 2), configurations "
                  f"in shuffled rounds, {p['cost_reps']} each, medians; each recording runs "
                  f"{p['cost_warm']} s, then {p['cost_steady']} s of steady state, then SIGINT. "
                  "CPU = user+sys of the recorder (rusage) for the whole recording (start-up "
                  "and output included); steady = the recorder's on-CPU time (schedstat) in the "
                  "steady interval per sample taken in it; start-up = the rest; \"% of a core, "
                  "target busy\" = the recorder's steady CPU per second of target CPU × "
                  "threads (what it would use with every target thread busy; ptrace: steady "
                  "cost × rate × threads). perf record's own cost is small because it defers "
                  "unwinding to `perf script`/`report` (its CPU includes its build-id pass).", "",
                  cost_section(res["cost"]), ""]
    if res.get("post"):
        parts += ["### Post-processing: samples → output", "",
                  f"One recording of julia --threads 2 at 1000 Hz for {p['pp_s']} s by each tool "
                  f"(`cspy record --raw`, 16 KiB stack copies; `perf record --call-graph "
                  f"dwarf`, 8 KiB), then the three commands alternately, {p['pp_reps']} runs "
                  f"each, output discarded. `cspy report` unwinds, symbolizes (with inlined "
                  f"frames) and writes the SVG; `perf script` unwinds and prints the stacks, "
                  f"which flamegraph.pl would still have to fold and render.", "",
                  post_section(res["post"]), ""]
    if res.get("accuracy"):
        parts += ["## 3. Accuracy", "", accuracy_section(res["accuracy"], p), ""]
    if res.get("latency"):
        parts += ["## 4. Latency", "",
                  "Time from starting `cspy record --pid P -r 1000` to its first sample "
                  "(\"taken\": the sample's kernel timestamp, from `--raw`; "
                  "\"unwound+symbolized\": cspy's `CSPY_LOG=debug` line after its first "
                  "batch), and `cspy dump --pid P` from start to exit.", "",
                  latency_section(res["latency"]), ""]
    if res.get("cost"):
        parts += ["## 5. Sample fidelity", "",
                  "From the long recordings of section 2. perf_event samples on-CPU time "
                  "(task-clock), so its promise is the requested rate per second of target CPU "
                  "time; the ptrace sampler ticks on wall time and samples threads that are "
                  "running or runnable.", "", fidelity_section(res["cost"]), ""]
    if res.get("memory"):
        parts += ["## 6. Memory for an hour-long recording at 100 Hz", "",
                  memory_section(res["memory"]), ""]
    if res.get("python"):
        parts += [PYTHON_TITLE, "", python_section(res["python"], p), ""]
    if res.get("offcpu"):
        parts += [OFFCPU_TITLE, "", offcpu.section(res["offcpu"]), ""]
    if res.get("notes"):
        parts += ["## Notes", ""] + [f"- {n}" for n in res["notes"]] + [""]
    return "\n".join(parts)
