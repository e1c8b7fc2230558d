"""Child processes for the benchmarks: spawn, wait with a deadline (and the child's
rusage), stop politely then firmly, and kill whatever is left when the driver exits, so
that no target, sampler or perf is ever left running or stopped.
Also the /proc readers the measurements need (on-CPU time, fds, tracer)."""

import atexit
import os
import resource
import select
import signal
import subprocess
import time
from dataclasses import dataclass, field

_live: dict[int, subprocess.Popen] = {}


@dataclass
class Exit:
    """How a child ended: its status, when it was reaped, its rusage."""
    code: int
    reaped_ns: int
    user_s: float
    sys_s: float
    maxrss_kib: int | None  # None: not above the driver's own peak, so unknown

    @property
    def cpu_s(self) -> float:
        return self.user_s + self.sys_s


@dataclass
class Child:
    popen: subprocess.Popen
    started_ns: int
    parent_maxrss_kib: int = 0
    stderr_path: str | None = None
    exit: Exit | None = None
    argv: list = field(default_factory=list)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def stderr(self) -> str:
        if not self.stderr_path:
            return ""
        with open(self.stderr_path, errors="replace") as f:
            return f.read()


def spawn(argv, stderr_path=None, env=None, stdout=subprocess.DEVNULL) -> Child:
    """Starts argv with stdin and stdout closed off, stderr to stderr_path (or discarded)."""
    err = open(stderr_path, "wb") if stderr_path else subprocess.DEVNULL
    try:
        started = time.monotonic_ns()
        p = subprocess.Popen([str(a) for a in argv], stdin=subprocess.DEVNULL, stdout=stdout,
                             stderr=err, env=env, close_fds=True)
    finally:
        if stderr_path:
            err.close()
    _live[p.pid] = p
    # A child's ru_maxrss includes the memory it had before exec, i.e. this driver's
    # (vfork shares it): only a peak above the driver's own says anything.
    parent_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return Child(p, started, parent_peak, stderr_path, argv=[str(a) for a in argv])


class Timeout(Exception):
    pass


def wait(child: Child, timeout_s: float) -> Exit:
    """Reaps child (blocking at most timeout_s) and returns its Exit; raises Timeout."""
    if child.exit is not None:
        return child.exit
    fd = os.pidfd_open(child.pid)
    try:
        ready, _, _ = select.select([fd], [], [], timeout_s)
    finally:
        os.close(fd)
    if not ready:
        raise Timeout(f"{child.argv[0]} (pid {child.pid}) still running after {timeout_s:.0f} s")
    _, status, ru = os.wait4(child.pid, 0)
    now = time.monotonic_ns()
    code = os.waitstatus_to_exitcode(status)
    child.popen.returncode = code  # reaped here: keep Popen from waiting again
    _live.pop(child.pid, None)
    maxrss = ru.ru_maxrss if ru.ru_maxrss > child.parent_maxrss_kib else None
    child.exit = Exit(code, now, ru.ru_utime, ru.ru_stime, maxrss)
    return child.exit


def stop(child: Child, sig=signal.SIGINT, grace_s: float = 30.0) -> Exit:
    """Sends sig (SIGINT: samplers write what they have), then SIGKILL after grace_s."""
    if child.exit is None:
        try:
            os.kill(child.pid, sig)
        except ProcessLookupError:
            pass
        try:
            return wait(child, grace_s)
        except Timeout:
            kill(child)
    return child.exit


def kill(child: Child) -> None:
    if child.exit is not None:
        return
    try:
        os.kill(child.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    wait(child, 10.0)


def kill_all() -> None:
    """SIGCONT + SIGKILL every child still alive, then reap them."""
    for pid, p in list(_live.items()):
        for sig in (signal.SIGCONT, signal.SIGKILL):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        try:
            p.wait(timeout=10)
        except Exception:  # noqa: BLE001 - best effort at exit
            pass
        _live.pop(pid, None)


def _on_signal(signum, _frame):
    raise SystemExit(128 + signum)


def install_cleanup() -> None:
    atexit.register(kill_all)
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGHUP, _on_signal)


def run(argv, timeout_s: float, stderr_path=None, stdout=subprocess.DEVNULL, env=None):
    """Runs argv to completion; returns (Child, Exit)."""
    c = spawn(argv, stderr_path=stderr_path, stdout=stdout, env=env)
    try:
        e = wait(c, timeout_s)
    except Timeout:
        kill(c)
        raise
    return c, e


# ---- /proc ---------------------------------------------------------------------------

def oncpu_ns(pid: int) -> int:
    """Nanoseconds the whole process has run on a CPU (sum over its threads' schedstat).
    This kernel has no IRQ time accounting, so interrupt handling on the target's CPU
    (the sampling timer) is included."""
    total = 0
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return 0
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            pass
    return total


def has_perf_event_fd(pid: int) -> bool:
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == "anon_inode:[perf_event]":
                    return True
            except OSError:
                pass
    except OSError:
        pass
    return False


def status_field(pid: int, name: str) -> int:
    """The first number of the `name:` line of /proc/PID/status; 0 if there is none."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(name + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_kib(pid: int) -> int:
    return status_field(pid, "VmRSS")


def tracer_of(pid: int) -> int:
    return status_field(pid, "TracerPid")


def wait_until(predicate, timeout_s: float, poll_s: float = 0.002) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(poll_s)
    return predicate()


def alive(child: Child) -> bool:
    if child.exit is not None:
        return False
    try:
        with open(f"/proc/{child.pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
