"""docs/BENCHMARKS.md: the goals of issue 6 (met or not), then one table per section."""

from .common import Goal, Sampler, num, pct, table


def _cfg_label(cfg) -> str:
    if cfg is None:
        return "nothing (noise floor)"
    if isinstance(cfg, str):
        return f"{cfg} (noise floor)"
    return f"{cfg.label} @ {cfg.rate} Hz"


def _find(rows, tool, mode, rate, key="config"):
    for r in rows:
        c = r[key]
        if isinstance(c, Sampler) and (c.tool, c.mode, c.rate) == (tool, mode, rate):
            return r
    return None


def goals(res) -> list:
    out = []
    whole, win = res.get("whole"), res.get("windows")
    if win:
        r = _find(win, "cspy", "perf_event", 100)
        floor = next((w for w in win if w["config"] is None), None)
        if r:
            out.append(Goal("slowdown at 100 Hz (windows)", "<= 1% (within noise)",
                            f"{pct(r['wall'])} wall, {pct(r['cpu'])} target CPU "
                            f"(floor {pct(floor['wall'])} / {pct(floor['cpu'])})",
                            r["wall"] is not None and r["wall"] <= 0.01))
    for rate in (1000, 10000):
        src = win if win and _find(win, "cspy", "perf_event", rate) else (whole or {}).get("rows")
        name = "windows" if src is win else "whole runs"
        if not src:
            continue
        c, d, f = (_find(src, "cspy", "perf_event", rate), _find(src, "perf", "dwarf", rate),
                   _find(src, "perf", "none", rate))
        if not (c and d and f) or None in (c["wall"], d["wall"], f["wall"]):
            continue
        for key, what in (("wall", "wall"), ("cpu", "target CPU")):
            gap = (c[key] - f[key]) * 100
            out.append(Goal(f"slowdown at {rate} Hz, {what} ({name})",
                            "< perf dwarf, within 1 pp of perf without call graph",
                            f"cspy {pct(c[key])}, perf dwarf {pct(d[key])}, "
                            f"no call graph {pct(f[key])} ({gap:+.1f} pp)",
                            c[key] < d[key] and gap <= 1.0))
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
        if c["ms_per_1000"] and p["ms_per_1000"]:
            ratio = p["ms_per_1000"] / c["ms_per_1000"]
            out.append(Goal("samples→SVG vs perf script (per sample)", ">= 10x faster",
                            f"{ratio:.1f}x", ratio >= 10))
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
    if mem and mem.get("samples"):
        full = mem["samples"] >= 360_000
        out.append(Goal("peak RSS, an hour at 100 Hz (360,000 samples)", "< 50 MB",
                        f"{mem['maxrss_mib']:.1f} MiB after {mem['samples']:,} samples",
                        mem["maxrss_mib"] < 50 if full else None,
                        "" if full else "fewer samples than an hour's: not judged"))
    return out


def _goal_table(gs) -> str:
    def verdict(g):
        return "n/a" if g.met is None else ("**met**" if g.met else "**not met**")
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
        f"− 1. **wall**: julia's own timing of runs 2..{p['runs_k']} (run 1 overlaps the "
        f"attach); **target CPU**: the target's user+sys time (this kernel charges the sampling "
        f"interrupt to it), which the load of other processes does not inflate. Alone: "
        f"{num(w['base_wall_s'], '{:.2f}')} s wall (runs 2..K), "
        f"{num(w['base_cpu_s'], '{:.2f}')} s CPU.", "",
        table(["sampler", "slowdown (wall)", "slowdown (target CPU)",
               "sampler on after (ms)", "runs"], rows),
        "" if not errors else "\nFailures: " + "; ".join(errors)])


def window_section(rows, p) -> str:
    out = [(_cfg_label(r["config"]), pct(r["wall"]),
            f"{pct(r['wall_iqr'][0])} … {pct(r['wall_iqr'][1])}", pct(r["cpu"]),
            f"{pct(r['cpu_iqr'][0])} … {pct(r['cpu_iqr'][1])}", r["n"])
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
               "windows"], out)])


def cost_section(rows) -> str:
    out = []
    for r in rows:
        s = r["sampler"]
        if r["failed"]:
            out.append((s.label, s.rate, r["threads"], "failed: " + (r["error"] or "")[:80],
                        *[""] * 6))
            continue
        out.append((s.label, s.rate, r["threads"], r["samples"], num(r["cpu_s"], "{:.2f}"),
                    num(r["ms_per_1000"], "{:.0f}"), num(r["steady_ms_per_1000"], "{:.1f}"),
                    num(r["startup_ms"], "{:.0f}"), num(r["core_pct_busy"], "{:.1f}%"),
                    num(r["maxrss_mib"], "{:.1f}")))
    return table(["sampler", "rate (Hz)", "target threads", "samples", "CPU (s)",
                  "CPU ms / 1000 samples", "steady ms / 1000", "start-up CPU (ms)",
                  "% of a core, target busy", "peak RSS (MiB)"], out)


def fidelity_section(rows) -> str:
    out = []
    for r in rows:
        s = r["sampler"]
        if r["failed"] or s.tool != "cspy":
            continue
        out.append((s.label, s.rate, r["threads"], r["samples"],
                    num(r["per_target_cpu_s"], "{:.0f}"), num(r["per_wall_thread_s"], "{:.0f}"),
                    num(r["target_cpu_share"] * 100 if r["target_cpu_share"] else None,
                        "{:.0f}%"),
                    r["lost"], num(r["unwind_fail_pct"], "{:.1f}%"), r["truncated"]))
    return table(["sampler", "requested (Hz/thread)", "threads", "samples",
                  "per target CPU-second", "per wall second per thread",
                  "target on CPU", "lost", "unwind failures", "truncated"], out)


def post_section(rows) -> str:
    c = next(x for x in rows if x["tool"].startswith("cspy"))
    out = []
    for r in rows:
        ratio = (r["ms_per_1000"] / c["ms_per_1000"]
                 if r["ms_per_1000"] and c["ms_per_1000"] else None)
        out.append((f"`{r['tool']}`", r["samples"], num(r["wall_s"], "{:.2f}"),
                    num(r["cpu_s"], "{:.2f}"), num(r["ms_per_1000"], "{:.0f}"),
                    num(ratio, "{:.1f}x"), num(r["maxrss_mib"], "{:.0f}"), r["n"]))
    return table(["command", "samples", "wall (s)", "CPU (s)", "wall ms / 1000 samples",
                  "vs cspy (per sample)", "peak RSS (MiB)", "runs"], out)


def accuracy_section(acc, p) -> str:
    out = []
    for (depth, label), r in acc.items():
        out.append((depth, label, r["samples"], num(r["a_share"] * 100 if r["a_share"] else None,
                                                    "{:.1f}%"),
                    num(r["error_pp"], "{:.2f}"), num(r["outside_pct"], "{:.1f}%"),
                    num(r["reach_main_pct"], "{:.1f}%")))
    return "\n".join([
        f"`split` (and `split --depth N`), {p['acc_reps']} × {p['acc_s']} s per sampler at "
        f"{p['acc_rate']} Hz, samplers in turn on the same process, counts pooled.", "",
        table(["depth", "sampler", "samples", "work_a share (truth 75%)", "error (pp)",
               "samples in neither", "stack reaches main through every level"], out)])


def latency_section(rows) -> str:
    out = [(r["target"], r["n"], num(r["taken_ms"], "{:.0f}"), num(r["processed_ms"], "{:.0f}"),
            num(r["max_processed_ms"], "{:.0f}"), num(r["dump_ms"], "{:.0f}"),
            f"{r['dump_ok']}/{r['dump_n']}") for r in rows]
    return table(["target", "runs", "first sample taken (ms, median)",
                  "first samples unwound+symbolized (ms)", "worst (ms)",
                  "`cspy dump` end to end (ms)", "dump ok"], out)


def memory_section(m) -> str:
    return table(["recording", "samples", "of an hour at 100 Hz", "peak RSS (MiB)", "CPU (s)"],
                 [(f"cspy perf_event @ 10000 Hz, julia --threads 2, {m['duration_s']:.0f} s",
                   f"{m['samples']:,}" if m["samples"] else "n/a",
                   f"{(m['samples'] or 0) / 360_000 * 100:.0f}%",
                   f"{m['maxrss_mib']:.1f}", f"{m['cpu_s']:.1f}")])


def render(res, machine_md: str, p: dict) -> str:
    parts = [
        "# cspy benchmarks",
        "",
        f"Written by `bash bench/run.sh{' --quick' if p['quick'] else ''}` (see README, "
        "\"Benchmarks\"). Every comparison below was measured side by side in this one run: "
        "configurations alternate (shuffled rounds), and figures are medians. Outputs went to "
        "tmpfs and were discarded. perf ran with `-e task-clock`, the event cspy uses.",
        "", "## Machine", "", machine_md, "",
        "## Goals (issue 6)", "", _goal_table(goals(res)), ""]
    if res.get("whole"):
        parts += ["## 1. Target slowdown", "", "### Whole runs", "",
                  whole_section(res["whole"], p), ""]
    if res.get("windows"):
        parts += ["### Alternating windows", "", window_section(res["windows"], p), ""]
    if res.get("cost"):
        parts += ["## 2. cspy's own cost", "", "### Recording",
                  "", f"`record --pid -d {p['cost_short']}` and `-d {p['cost_long']}` on a "
                  f"running julia, alternately, {p['cost_reps']} of each; medians. CPU = user+sys "
                  "of the recorder (rusage), over the long recording; steady ms / 1000 = slope "
                  "between the two durations, start-up = intercept; \"% of a core, target "
                  "busy\" = steady cost × requested rate × threads. perf record's own cost is "
                  "small because it defers unwinding to `perf script`/`report`.", "",
                  cost_section(res["cost"]), ""]
    if res.get("post"):
        parts += ["### Post-processing: samples → output", "",
                  f"One recording of julia at 1000 Hz for {p['pp_s']} s by each tool "
                  f"(`cspy record --raw`, `perf record --call-graph dwarf`), then the three "
                  f"commands alternately, {p['pp_reps']} runs each, output discarded.", "",
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
    if res.get("notes"):
        parts += ["## Notes", ""] + [f"- {n}" for n in res["notes"]] + [""]
    return "\n".join(parts)
