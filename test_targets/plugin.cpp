// plugin: a shared library that dlopen_host loads at run time, so that a profiler
// attached before the load must discover a library mapped after it started.
#include <cstdint>

extern "C" __attribute__((noinline)) std::uint64_t plugin_spin(std::uint64_t x, long iterations) {
  for (long i = 0; i < iterations; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    asm volatile("" : "+r"(x));
  }
  return x;
}
