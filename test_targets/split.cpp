// split: a workload whose time split between functions is known by construction, for
// checking a profiler's accuracy. Each round calls work_a 3 times and work_b once with the
// same unit of work, so on-CPU time divides 75% / 25%. --depth N runs the rounds under
// N frames of recursion (recurse), to check deep stacks and truncation.
// Usage: split [--seconds S] [--depth N]    (prints "ready", then "units A B" at the end)

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

volatile std::uint64_t g_sink;

// One unit of pure CPU work (no calls, no memory traffic).
inline std::uint64_t unit(std::uint64_t x) {
  for (int i = 0; i < 200'000; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    asm volatile("" : "+r"(x));
  }
  return x;
}

}  // namespace

__attribute__((noinline, noclone)) std::uint64_t work_a(std::uint64_t x) {
  x = unit(x);
  asm volatile("" : "+r"(x));
  return x;
}

__attribute__((noinline, noclone)) std::uint64_t work_b(std::uint64_t x) {
  x = unit(x ^ 1);
  asm volatile("" : "+r"(x));
  return x;
}

__attribute__((noinline, noclone)) std::uint64_t run_rounds(double seconds, long& a, long& b) {
  using Clock = std::chrono::steady_clock;
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  std::uint64_t x = 1;
  while (Clock::now() < end) {
    for (int r = 0; r < 16; ++r) {
      x = work_a(x);
      x = work_a(x);
      x = work_a(x);
      x = work_b(x);
      a += 3;
      b += 1;
    }
  }
  return x;
}

__attribute__((noinline, noclone)) std::uint64_t recurse(int depth, double seconds, long& a,
                                                         long& b) {
  std::uint64_t x = depth <= 0 ? run_rounds(seconds, a, b) : recurse(depth - 1, seconds, a, b);
  asm volatile("" : "+r"(x));  // not a tail call: every level keeps its frame
  return x + 1;
}

int main(int argc, char** argv) {
  double seconds = 5;
  int depth = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--seconds") == 0) {
      seconds = std::strtod(argv[i + 1], nullptr);
    } else if (std::strcmp(argv[i], "--depth") == 0) {
      depth = std::atoi(argv[i + 1]);
    } else {
      std::fprintf(stderr, "usage: split [--seconds S] [--depth N]\n");
      return 2;
    }
  }
  ssize_t w = write(STDOUT_FILENO, "ready\n", 6);
  (void)w;
  long a = 0, b = 0;
  g_sink = recurse(depth, seconds, a, b);
  std::printf("units %ld %ld\n", a, b);
  return 0;
}
