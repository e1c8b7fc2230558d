"""A pool of short-lived forked Python workers, as a service's worker pool: each worker
process computes in one known function for a short while and exits (one task per worker),
so by the time its samples are named it is gone. For `--subprocesses` tests.
Usage: python3 py_pool.py WORKERS TASK_SECONDS   (prints "ready" before the first task)
"""
import multiprocessing
import sys
import time


def pool_worker_task(seconds):
    deadline = time.monotonic() + seconds
    x = 0
    while time.monotonic() < deadline:
        for i in range(1000):
            x += i
    return x


def main():
    workers = int(sys.argv[1])
    seconds = float(sys.argv[2])
    context = multiprocessing.get_context("fork")
    print("ready", flush=True)
    with context.Pool(processes=2, maxtasksperchild=1) as pool:
        pool.map(pool_worker_task, [seconds] * workers, chunksize=1)


if __name__ == "__main__":
    main()
