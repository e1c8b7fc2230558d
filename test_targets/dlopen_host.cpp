// dlopen_host: spins in its own code, then after --delay seconds dlopen()s a library
// (argv path) and spins inside it, so that a profiler attached before the load must
// pick up the new mapping. Prints "ready" at start and "loaded" after the dlopen.
// Usage: dlopen_host LIBRARY [--delay S] [--seconds S]
#include <dlfcn.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

using Clock = std::chrono::steady_clock;

__attribute__((noinline)) std::uint64_t host_spin(std::uint64_t x, double seconds) {
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  while (Clock::now() < end) {
    for (int i = 0; i < 100'000; ++i) {
      x = x * 2862933555777941757ULL + 3037000493ULL;
      asm volatile("" : "+r"(x));
    }
  }
  return x;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: dlopen_host LIBRARY [--delay S] [--seconds S]\n");
    return 2;
  }
  double delay = 1, seconds = 3;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--delay") == 0) delay = std::strtod(argv[i + 1], nullptr);
    if (std::strcmp(argv[i], "--seconds") == 0) seconds = std::strtod(argv[i + 1], nullptr);
  }
  std::printf("ready\n");
  std::fflush(stdout);
  std::uint64_t x = host_spin(1, delay);
  void* lib = dlopen(argv[1], RTLD_NOW);
  if (lib == nullptr) {
    std::fprintf(stderr, "dlopen_host: %s\n", dlerror());
    return 1;
  }
  using Spin = std::uint64_t (*)(std::uint64_t, long);
  auto spin = reinterpret_cast<Spin>(dlsym(lib, "plugin_spin"));
  std::printf("loaded\n");
  std::fflush(stdout);
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  while (Clock::now() < end) x = spin(x, 1'000'000);
  std::printf("done %llu\n", static_cast<unsigned long long>(x & 1));
  return 0;
}
