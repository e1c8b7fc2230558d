// contend: two threads taking turns on one pthread mutex, for lock-contention views. Each
// worker() loop takes the lock in take_lock() (the time it waits there is measured), holds
// it while spinning H ms, releases it and spins F ms more; with H > F, each worker mostly
// waits in futex for the other.
// Usage: contend [--hold MS] [--free MS] [--seconds S]
// Prints "ready", and at the end "waited_ns N cpu_ns C worker_ns M" (both workers' time
// waiting in take_lock, their CPU time, and their wall time in all).

#include <pthread.h>
#include <time.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

std::uint64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
double g_hold_ms = 20, g_free_ms = 5, g_seconds = 5;
std::atomic<std::uint64_t> g_waited{0}, g_worker{0}, g_cpu{0};
volatile std::uint64_t g_sink;

}  // namespace

__attribute__((noinline, noclone)) void spin(std::uint64_t ns) {
  const std::uint64_t until = now_ns() + ns;
  std::uint64_t x = g_sink;
  while (now_ns() < until) {
    for (int i = 0; i < 2'000; ++i) {
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;
      asm volatile("" : "+r"(x));
    }
  }
  g_sink = x;
}

__attribute__((noinline, noclone)) void take_lock() {
  pthread_mutex_lock(&g_lock);
  asm volatile("" ::: "memory");  // a call, not a tail jump: take_lock stays on the stack
}

__attribute__((noinline, noclone)) void* worker(void*) {
  const std::uint64_t start = now_ns();
  const auto end = start + static_cast<std::uint64_t>(g_seconds * 1e9);
  std::uint64_t waited = 0;
  while (now_ns() < end) {
    const std::uint64_t t0 = now_ns();
    take_lock();
    waited += now_ns() - t0;
    spin(static_cast<std::uint64_t>(g_hold_ms * 1e6));
    pthread_mutex_unlock(&g_lock);
    spin(static_cast<std::uint64_t>(g_free_ms * 1e6));
  }
  g_waited += waited;
  g_worker += now_ns() - start;
  timespec cpu{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
  g_cpu += static_cast<std::uint64_t>(cpu.tv_sec) * 1'000'000'000ULL +
           static_cast<std::uint64_t>(cpu.tv_nsec);
  return nullptr;
}

int main(int argc, char** argv) {
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--hold") == 0)
      g_hold_ms = std::atof(argv[i + 1]);
    else if (std::strcmp(argv[i], "--free") == 0)
      g_free_ms = std::atof(argv[i + 1]);
    else if (std::strcmp(argv[i], "--seconds") == 0)
      g_seconds = std::atof(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: contend [--hold MS] [--free MS] [--seconds S]\n");
      return 2;
    }
  }
  std::printf("ready\n");
  std::fflush(stdout);
  pthread_t threads[2];
  for (pthread_t& t : threads) pthread_create(&t, nullptr, worker, nullptr);
  for (pthread_t& t : threads) pthread_join(t, nullptr);
  std::printf("waited_ns %llu cpu_ns %llu worker_ns %llu\n",
              static_cast<unsigned long long>(g_waited.load()),
              static_cast<unsigned long long>(g_cpu.load()),
              static_cast<unsigned long long>(g_worker.load()));
  return 0;
}
