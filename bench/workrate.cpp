// workrate: a CPU-bound target that publishes how much work it has done, so that a
// sampler's cost can be measured in alternating on/off windows within one run
// (bench/cspybench/slowdown.py). It computes julia.cpp's Julia set row by row and, after
// each row (~0.1 ms), stores the total inner-loop iterations so far in a 64-bit counter at
// offset 0 of FILE (created, 4 KiB, mmap'd shared); the driver reads it at window edges.
// Usage: workrate FILE [SECONDS]   (exits after SECONDS, default 900)

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <new>

namespace {

constexpr int kWidth = 1000;
constexpr int kMaxIter = 300;

// One row of the book's inner loop; returns the iterations done.
__attribute__((noinline)) std::uint64_t julia_row(int row) {
  const double x1 = -1.8, x2 = 1.8, y2 = 1.8;
  const double step = (x2 - x1) / kWidth;
  const double cr = -0.62772, ci = -0.42193;
  std::uint64_t total = 0;
  for (int col = 0; col < kWidth; ++col) {
    double zr = x1 + col * step, zi = y2 - row * step;
    int n = 0;
    while (n < kMaxIter && std::sqrt(zr * zr + zi * zi) < 2) {
      const double next_r = zr * zr - zi * zi + cr;
      zi = 2 * zr * zi + ci;
      zr = next_r;
      ++n;
    }
    total += static_cast<std::uint64_t>(n) + 1;
  }
  return total;
}

__attribute__((noinline)) void compute(std::atomic<std::uint64_t>* counter, double seconds) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  std::uint64_t done = 0;
  while (Clock::now() < deadline) {
    for (int row = 0; row < kWidth; ++row) {
      done += julia_row(row);
      counter->store(done, std::memory_order_relaxed);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: workrate FILE [SECONDS]\n");
    return 2;
  }
  const double seconds = argc == 3 ? std::strtod(argv[2], nullptr) : 900;
  const int fd = ::open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0 || ::ftruncate(fd, 4096) != 0) {
    std::perror(argv[1]);
    return 1;
  }
  void* page = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (page == MAP_FAILED) {
    std::perror("mmap");
    return 1;
  }
  ::close(fd);
  auto* counter = new (page) std::atomic<std::uint64_t>(0);
  compute(counter, seconds);
  return 0;
}
