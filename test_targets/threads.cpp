// threads: many mostly idle threads, and threads that come and go, for checking a sampler
// at scale. --idle N threads wait on a condition variable; each SIGUSR1 makes every one
// of them spin in pool_work() for --burn-ms of its own CPU time, one thread at a time (so
// that the target never has more threads runnable than one), then "burned" is printed. --churn R
// creates R threads a second (in batches every 10 ms, each batch joined before the next) that spin
// in churn_work() for --churn-us of CPU and exit. Usage: threads [--idle N] [--burn-ms B] [--churn
// R] [--churn-us U] [--seconds S] Ends after S seconds, or (S = 0) at SIGTERM, SIGINT or SIGHUP.
// Prints "ready" once the idle threads run, and at the end "churned N churn_cpu_ns C" (threads
// churned, their CPU time in churn_work()).

#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

std::uint64_t now_ns(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

std::atomic<std::uint64_t> g_sink{0};
std::atomic<std::uint64_t> g_pool{0};
std::atomic<std::uint64_t> g_churn{0};

// Spins until this thread has used `ns` more nanoseconds of CPU; returns what it used.
// Inlined, so that samples land in pool_work() or churn_work() themselves.
inline __attribute__((always_inline)) std::uint64_t spin_cpu(std::uint64_t ns) {
  const std::uint64_t start = now_ns(CLOCK_THREAD_CPUTIME_ID);
  std::uint64_t x = 1;
  std::uint64_t used = 0;
  while ((used = now_ns(CLOCK_THREAD_CPUTIME_ID) - start) < ns) {
    for (int i = 0; i < 200; ++i) x = x * 6364136223846793005ULL + 1442695040888963407ULL;
  }
  g_sink.fetch_add(x, std::memory_order_relaxed);
  return used;
}

}  // namespace

// Distinct side effects keep the compiler from folding the two into one.
__attribute__((noinline)) std::uint64_t pool_work(std::uint64_t ns) {
  const std::uint64_t used = spin_cpu(ns);
  g_pool.fetch_add(used);
  return used;
}
__attribute__((noinline)) std::uint64_t churn_work(std::uint64_t ns) {
  const std::uint64_t used = spin_cpu(ns);
  g_churn.fetch_add(used);
  return used;
}

namespace {

struct Pool {
  std::mutex mutex;
  std::condition_variable wake;
  std::condition_variable done;
  std::uint64_t generation = 0;
  std::size_t finished = 0;
  bool quit = false;
  std::mutex turn;  // held while a thread burns
};

void pool_thread(Pool& pool, std::uint64_t burn_ns) {
  std::uint64_t seen = 0;
  for (;;) {
    {
      std::unique_lock lock(pool.mutex);
      pool.wake.wait(lock, [&] { return pool.quit || pool.generation != seen; });
      if (pool.quit) return;
      seen = pool.generation;
    }
    {
      std::lock_guard turn(pool.turn);
      pool_work(burn_ns);
    }
    std::lock_guard lock(pool.mutex);
    ++pool.finished;
    pool.done.notify_all();
  }
}

std::uint64_t arg(int argc, char** argv, const char* name, std::uint64_t fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return std::strtoull(argv[i + 1], nullptr, 10);
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const std::uint64_t idle = arg(argc, argv, "--idle", 0);
  const std::uint64_t burn_ns = arg(argc, argv, "--burn-ms", 3) * 1'000'000ULL;
  const std::uint64_t churn = arg(argc, argv, "--churn", 0);
  const std::uint64_t churn_ns = arg(argc, argv, "--churn-us", 200) * 1'000ULL;
  const std::uint64_t seconds = arg(argc, argv, "--seconds", 0);  // 0: until stdin closes

  // Only the main thread takes these signals (sigwait).
  sigset_t signals;
  sigemptyset(&signals);
  for (int sig : {SIGUSR1, SIGTERM, SIGINT, SIGHUP}) sigaddset(&signals, sig);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  Pool pool;
  std::vector<std::thread> idle_threads;
  idle_threads.reserve(idle);
  for (std::uint64_t i = 0; i < idle; ++i) {
    idle_threads.emplace_back(pool_thread, std::ref(pool), burn_ns);
  }

  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> churned{0};
  std::atomic<std::uint64_t> churn_cpu{0};
  std::thread churner;
  if (churn > 0) {
    churner = std::thread([&] {
      const std::uint64_t per_batch = std::max<std::uint64_t>(1, churn / 100);
      std::uint64_t next = now_ns(CLOCK_MONOTONIC);
      std::vector<std::thread> batch;
      while (!stop.load()) {
        for (std::uint64_t i = 0; i < per_batch; ++i) {
          batch.emplace_back([&] { churn_cpu.fetch_add(churn_work(churn_ns)); });
        }
        for (std::thread& t : batch) t.join();
        churned.fetch_add(batch.size());
        batch.clear();
        next += 10'000'000ULL;
        const std::uint64_t now = now_ns(CLOCK_MONOTONIC);
        if (next > now) {
          timespec ts{static_cast<time_t>((next - now) / 1'000'000'000ULL),
                      static_cast<long>((next - now) % 1'000'000'000ULL)};
          nanosleep(&ts, nullptr);
        }
      }
    });
  }

  std::printf("ready\n");
  std::fflush(stdout);
  if (seconds > 0) {
    std::this_thread::sleep_for(std::chrono::seconds(seconds));
  } else {
    int sig = 0;
    while (sigwait(&signals, &sig) == 0 && sig == SIGUSR1) {
      std::unique_lock lock(pool.mutex);
      pool.finished = 0;
      ++pool.generation;
      pool.wake.notify_all();
      pool.done.wait(lock, [&] { return pool.finished == idle_threads.size(); });
      std::printf("burned\n");
      std::fflush(stdout);
    }
  }
  stop = true;
  if (churner.joinable()) churner.join();
  {
    std::lock_guard lock(pool.mutex);
    pool.quit = true;
    pool.wake.notify_all();
  }
  for (std::thread& t : idle_threads) t.join();
  std::printf("churned %llu churn_cpu_ns %llu\n", static_cast<unsigned long long>(churned.load()),
              static_cast<unsigned long long>(churn_cpu.load()));
  return 0;
}
