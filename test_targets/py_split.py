"""A known split of CPU time between three Python functions: 10%, 30% and 60%.

Each round, one_tenth, three_tenths and six_tenths each run Python code until the thread
has used 7.13, 21.39 and 42.78 ms more CPU time (time.thread_time), so the shares hold by
construction whatever the machine's load: what a CPU-time profiler must report. A round
(71.3 ms) is no multiple of a sampling period (10 or 1 ms), so that samples do not fall
at the same points of every round.
Usage: python3 py_split.py SECONDS   (prints "ready" once it starts working)
"""
import sys
import time


def work_for(cpu_seconds):
    end = time.thread_time() + cpu_seconds
    total = 0
    while time.thread_time() < end:
        for i in range(100):
            total += i * i
    return total


def one_tenth():
    return work_for(0.00713)


def three_tenths():
    return work_for(0.02139)


def six_tenths():
    return work_for(0.04278)


def main():
    deadline = time.monotonic() + float(sys.argv[1])
    print("ready", flush=True)
    while time.monotonic() < deadline:
        one_tenth()
        three_tenths()
        six_tenths()


if __name__ == "__main__":
    main()
