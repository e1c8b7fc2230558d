"""Several named Python threads, each waiting at a known line of its own function, and a
main thread joining them: stable stacks to compare `cspy dump` with gdb's py-bt.
With --spin, each thread instead computes in its own function (for sampling tests).
Usage: python3 py_threads.py [--spin] SECONDS   (prints "ready" once every thread runs)
"""
import sys
import threading
import time

SPIN = "--spin" in sys.argv
SECONDS = float([a for a in sys.argv[1:] if a != "--spin"][0])
started = threading.Barrier(4)


def spin_until(deadline):
    x = 0
    while time.monotonic() < deadline:
        for i in range(1000):
            x += i
    return x


def waiter_alpha(deadline):
    started.wait()
    if SPIN:
        return spin_until(deadline)
    time.sleep(deadline - time.monotonic())  # LINE: alpha


def waiter_beta(deadline):
    started.wait()
    if SPIN:
        return spin_until(deadline)
    time.sleep(deadline - time.monotonic())  # LINE: beta


def waiter_gamma(deadline):
    started.wait()
    if SPIN:
        return spin_until(deadline)
    time.sleep(deadline - time.monotonic())  # LINE: gamma


def main():
    deadline = time.monotonic() + SECONDS
    threads = [
        threading.Thread(target=f, args=(deadline,), name=f.__name__.replace("waiter_", ""))
        for f in (waiter_alpha, waiter_beta, waiter_gamma)
    ]
    for t in threads:
        t.start()
    started.wait()
    print("ready", flush=True)
    for t in threads:
        t.join()  # LINE: join


if __name__ == "__main__":
    main()
