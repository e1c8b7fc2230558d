"""workrate.py: bench/workrate.cpp for CPython. A CPU-bound Python target that publishes how
much work it has done, so that a sampler's cost on a Python process can be measured in
alternating on/off windows within one run (bench/cspybench/python.py). It runs julia1.py's
inner loop (test_targets/julia1.py, calculate_z_serial_purepython) row by row over the
book's 1000 x 1000 grid and stores the total inner-loop iterations so far (n + 1 per
cell, as workrate.cpp counts them) in a 64-bit counter at offset 0 of FILE (created, 4 KiB,
mmap'd shared); the driver reads it at window edges. A row takes 20-30 ms here, 250 times
workrate.cpp's, so the counter is stored after each cell (~25 us, one 8-byte store) to keep
the window edges as sharp. Runs on CPython 3.8+.
Usage: python3 workrate.py FILE [SECONDS]   (exits after SECONDS, default 900)
"""
import mmap
import os
import sys
import time

WIDTH = 1000
MAX_ITER = 300
x1, x2, y1, y2 = -1.8, 1.8, -1.8, 1.8
c_real, c_imag = -0.62772, -.42193


def julia_row(zs, c, maxiter, counter, done):
    """julia1.py's inner loop over one row; returns the iterations done so far."""
    for z in zs:
        n = 0
        while n < maxiter and abs(z) < 2:
            z = z * z + c
            n += 1
        done += n + 1
        counter[0] = done
    return done


def grid():
    step = (x2 - x1) / WIDTH
    return [[complex(x1 + col * step, y2 - row * step) for col in range(WIDTH)]
            for row in range(WIDTH)]


def compute(rows, counter, seconds):
    c = complex(c_real, c_imag)
    deadline = time.monotonic() + seconds
    done = 0
    while time.monotonic() < deadline:
        for zs in rows:
            done = julia_row(zs, c, MAX_ITER, counter, done)


def main():
    if len(sys.argv) not in (2, 3):
        print("usage: workrate.py FILE [SECONDS]", file=sys.stderr)
        return 2
    seconds = float(sys.argv[2]) if len(sys.argv) == 3 else 900
    rows = grid()  # before FILE appears: the driver's windows see only the loop
    fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    os.ftruncate(fd, 4096)
    page = mmap.mmap(fd, 4096, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
    os.close(fd)
    counter = memoryview(page).cast("Q")  # an aligned 8-byte store per update
    compute(rows, counter, seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
