"""Frames of every shape a Python function can run in, each thread waiting at a known line
inside one: a generator, a coroutine run by asyncio, a class body, a lambda and a list
comprehension (3.12+ runs comprehensions inline, in their function's frame).
Usage: python3 py_frames.py SECONDS   (prints "ready" once every thread waits)
"""
import asyncio
import sys
import threading
import time

SECONDS = float(sys.argv[1])
started = threading.Barrier(6)


def wait():
    started.wait()
    time.sleep(SECONDS)  # LINE: sleep


def numbers():
    yield 1
    wait()  # LINE: generator
    yield 2


def run_generator():
    return sum(numbers())  # LINE: generator caller


async def inner_coroutine():
    wait()  # LINE: coroutine
    return 1


async def outer_coroutine():
    return await inner_coroutine()  # LINE: coroutine caller


def run_coroutine():
    return asyncio.run(outer_coroutine())  # LINE: coroutine runner


def run_class_body():
    class Holder:  # LINE: class statement
        value = wait()  # LINE: class body

    return Holder


def run_lambda():
    f = lambda: wait()  # LINE: lambda
    return f()  # LINE: lambda caller


def run_comprehension():
    return [wait() for _ in range(1)]  # LINE: comprehension


def main():
    threads = [
        threading.Thread(target=f, name=f.__name__, daemon=True)
        for f in (run_generator, run_coroutine, run_class_body, run_lambda, run_comprehension)
    ]
    for t in threads:
        t.start()
    started.wait()
    print("ready", flush=True)
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
