"""The machine a benchmark ran on: CPUs, kernel, memory, perf, load, the sysctls that
bound sampling, and the cspy revision."""

import datetime
import os
import platform
import subprocess


def _read(path: str) -> str:
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return "?"


def _cmd(argv, cwd=None) -> str:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=20,
                              cwd=cwd).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"


def cpu_model() -> str:
    for line in _read("/proc/cpuinfo").splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "?"


def hypervisor() -> str:
    for line in _cmd(["lscpu"]).splitlines():
        if line.startswith("Hypervisor vendor:"):
            return line.split(":", 1)[1].strip()
    return "none"


def load() -> str:
    return " ".join(_read("/proc/loadavg").split()[:3])


def describe(root: str) -> dict:
    mem_kib = 0
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            mem_kib = int(line.split()[1])
    rev = _cmd(["git", "rev-parse", "--short", "HEAD"], cwd=root)
    dirty = _cmd(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root)
    return {
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "nproc": os.cpu_count(),
        "cpu": cpu_model(),
        "hypervisor": hypervisor(),
        "kernel": platform.release(),
        "memory": f"{mem_kib / 1024 / 1024:.1f} GiB",
        "perf": _cmd(["perf", "--version"]),
        "debian": _read("/etc/debian_version"),
        "paranoid": _read("/proc/sys/kernel/perf_event_paranoid"),
        "max_sample_rate": _read("/proc/sys/kernel/perf_event_max_sample_rate"),
        "cspy": rev + (" (with uncommitted changes)" if dirty and dirty != "?" else ""),
        "load_start": load(),
    }


def markdown(m: dict) -> str:
    return "\n".join([
        f"- date: {m['date']}",
        f"- CPUs: {m['nproc']} × {m['cpu']} (hypervisor: {m['hypervisor']})",
        f"- kernel: {m['kernel']}; Debian {m['debian']}; memory {m['memory']}",
        f"- {m['perf']}; kernel.perf_event_paranoid={m['paranoid']}, "
        f"perf_event_max_sample_rate={m['max_sample_rate']} "
        f"(at the end: {m.get('max_sample_rate_end', '?')})",
        f"- load average (1/5/15 min) at the start: {m['load_start']}; at the end: "
        f"{m.get('load_end', '?')}",
        f"- cspy {m['cspy']}; run took {m.get('elapsed', '?')}; the driver's peak RSS "
        f"{m.get('driver_rss', 0):.0f} MiB (children's peak RSS at or below it cannot be "
        f"told apart from it and read n/a)",
    ])
