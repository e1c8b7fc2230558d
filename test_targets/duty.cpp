// duty: alternates computing and sleeping in a known split, for checking on- and off-CPU
// time. Each cycle spins in compute() for C ms of the thread's CPU time, then sleeps in
// rest() (nanosleep) for S ms; the sleeps are timed, so the truth is known exactly.
// Usage: duty [--compute MS] [--sleep MS] [--seconds S]
// Prints "ready", and at the end "cpu_ns N slept_ns M wall_ns W" (this thread's CPU time,
// the wall time spent in rest(), the wall time of the cycles).

#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

std::uint64_t now_ns(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

volatile std::uint64_t g_sink;

}  // namespace

// Spins until this thread has used `ns` more nanoseconds of CPU.
__attribute__((noinline, noclone)) void compute(std::uint64_t ns) {
  const std::uint64_t until = now_ns(CLOCK_THREAD_CPUTIME_ID) + ns;
  std::uint64_t x = g_sink;
  while (now_ns(CLOCK_THREAD_CPUTIME_ID) < until) {
    for (int i = 0; i < 20'000; ++i) {
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;
      asm volatile("" : "+r"(x));
    }
  }
  g_sink = x;
}

// Sleeps `ns` nanoseconds; returns the wall time it took.
__attribute__((noinline, noclone)) std::uint64_t rest(std::uint64_t ns) {
  const std::uint64_t start = now_ns(CLOCK_MONOTONIC);
  timespec pause{static_cast<time_t>(ns / 1'000'000'000ULL),
                 static_cast<long>(ns % 1'000'000'000ULL)};
  while (nanosleep(&pause, &pause) != 0) {
  }
  return now_ns(CLOCK_MONOTONIC) - start;
}

int main(int argc, char** argv) {
  double compute_ms = 60, sleep_ms = 40, seconds = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--compute") == 0)
      compute_ms = std::atof(argv[i + 1]);
    else if (std::strcmp(argv[i], "--sleep") == 0)
      sleep_ms = std::atof(argv[i + 1]);
    else if (std::strcmp(argv[i], "--seconds") == 0)
      seconds = std::atof(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: duty [--compute MS] [--sleep MS] [--seconds S]\n");
      return 2;
    }
  }
  std::printf("ready\n");
  std::fflush(stdout);
  const std::uint64_t cpu0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
  const std::uint64_t start = now_ns(CLOCK_MONOTONIC);
  const auto end = start + static_cast<std::uint64_t>(seconds * 1e9);
  std::uint64_t slept = 0;
  while (now_ns(CLOCK_MONOTONIC) < end) {
    compute(static_cast<std::uint64_t>(compute_ms * 1e6));
    slept += rest(static_cast<std::uint64_t>(sleep_ms * 1e6));
  }
  const std::uint64_t wall = now_ns(CLOCK_MONOTONIC) - start;
  std::printf("cpu_ns %llu slept_ns %llu wall_ns %llu\n",
              static_cast<unsigned long long>(now_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0),
              static_cast<unsigned long long>(slept), static_cast<unsigned long long>(wall));
  return 0;
}
