// chain: a known call chain for checking stacks frame by frame:
//   main (or thread_main) -> outer -> middle -> leaf -> inlined_work (always_inline, spin mode).
// Clock mode spins on clock_gettime, so most samples land in the kernel's vDSO.
// Prints `ready` (flushed) once every thread is inside leaf. Lines a test checks carry
// `// LINE: <name>` markers; keep the chain functions at the top so their lines stay put.
// Usage: chain [--threads T] [--mode spin|sleep|read|clock] [--seconds S] [--sleep-ms MS (sleep
// mode: each nanosleep, default 20)] [--on-usr1 (print usr1)]

#include <pthread.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <vector>

enum class Mode { kSpin, kSleep, kRead, kClock };

struct Options {
  int threads = 1;
  Mode mode = Mode::kSpin;
  double seconds = 0;  // 0: until killed
  int pipe_read = -1;  // read mode: the end nobody writes to
  long sleep_ms = 20;  // sleep mode: each nanosleep
};

std::atomic<int> g_threads_in_leaf{0};

using Clock = std::chrono::steady_clock;

inline bool time_is_up(const Options& options, Clock::time_point start) {
  return options.seconds > 0 &&
         Clock::now() - start >= std::chrono::duration<double>(options.seconds);
}

// The spinning; DWARF records it as an inlined subroutine of leaf.
__attribute__((always_inline)) inline std::uint64_t inlined_work(const Options& options,
                                                                 std::uint64_t x) {
  const Clock::time_point start = Clock::now();
  do {
    for (int i = 0; i < 10'000'000; ++i) {
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;  // LINE: inlined-work-spin
      asm volatile("" : "+r"(x));
    }
  } while (!time_is_up(options, start));
  return x;
}

__attribute__((noinline, noclone)) std::uint64_t leaf(const Options& options, std::uint64_t seed) {
  if (g_threads_in_leaf.fetch_add(1) + 1 == options.threads) {
    ssize_t written = write(STDOUT_FILENO, "ready\n", 6);
    (void)written;
  }
  const Clock::time_point start = Clock::now();
  std::uint64_t result = seed;
  if (options.mode == Mode::kSpin) {
    result = inlined_work(options, seed);  // LINE: leaf-call-inlined-work
  } else if (options.mode == Mode::kSleep) {
    while (!time_is_up(options, start)) {
      timespec pause{options.sleep_ms / 1000, options.sleep_ms % 1000 * 1'000'000};
      nanosleep(&pause, nullptr);  // LINE: leaf-sleep
    }
  } else if (options.mode == Mode::kClock) {
    timespec now{};
    do {
      clock_gettime(CLOCK_MONOTONIC, &now);  // LINE: leaf-clock
      result += static_cast<std::uint64_t>(now.tv_nsec);
    } while (!time_is_up(options, start));
  } else {
    char byte = 0;
    for (;;) {
      ssize_t n = read(options.pipe_read, &byte, 1);  // LINE: leaf-read
      if (n == 0 || (n < 0 && errno != EINTR) || time_is_up(options, start)) break;
    }
    result += static_cast<unsigned char>(byte);
  }
  asm volatile("" ::: "memory");
  return result + 1;
}

__attribute__((noinline, noclone)) std::uint64_t middle(const Options& options,
                                                        std::uint64_t seed) {
  std::uint64_t result = leaf(options, seed + 7);  // LINE: middle-call-leaf
  asm volatile("" : "+r"(result));
  return result * 3;
}

__attribute__((noinline, noclone)) std::uint64_t outer(const Options& options, std::uint64_t seed) {
  std::uint64_t result = middle(options, seed * 5 + 1);  // LINE: outer-call-middle
  asm volatile("" : "+r"(result));
  return result ^ seed;
}

// Entry function of each thread when --threads > 1.
__attribute__((noinline, noclone)) void* thread_main(void* arg) {
  const Options& options = *static_cast<const Options*>(arg);
  std::uint64_t result = outer(options, 42);  // LINE: thread-main-call-outer
  asm volatile("" : "+r"(result));
  return reinterpret_cast<void*>(static_cast<std::uintptr_t>(result & 1));
}

namespace {

[[noreturn]] void usage_error(const char* message) {
  std::fprintf(stderr,
               "chain: %s\nusage: chain [--threads T] [--mode spin|sleep|read|clock] [--seconds S] "
               "[--sleep-ms MS] [--on-usr1]\n",
               message);
  std::exit(2);
}

void on_usr1(int) {
  ssize_t written = write(STDOUT_FILENO, "usr1\n", 5);
  (void)written;
}

// Blocked calls restart after the handler, so the threads' work goes on as before.
void report_usr1() {
  struct sigaction action {};
  action.sa_handler = on_usr1;
  action.sa_flags = SA_RESTART;
  sigaction(SIGUSR1, &action, nullptr);
}

Options parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const bool has_value = i + 1 < argc;
    if (std::strcmp(argv[i], "--threads") == 0 && has_value) {
      options.threads = std::atoi(argv[++i]);
    } else if (std::strcmp(argv[i], "--seconds") == 0 && has_value) {
      options.seconds = std::strtod(argv[++i], nullptr);
    } else if (std::strcmp(argv[i], "--sleep-ms") == 0 && has_value) {
      options.sleep_ms = std::atol(argv[++i]);
    } else if (std::strcmp(argv[i], "--on-usr1") == 0) {
      report_usr1();
    } else if (std::strcmp(argv[i], "--mode") == 0 && has_value) {
      const char* mode = argv[++i];
      if (std::strcmp(mode, "spin") == 0) {
        options.mode = Mode::kSpin;
      } else if (std::strcmp(mode, "sleep") == 0) {
        options.mode = Mode::kSleep;
      } else if (std::strcmp(mode, "read") == 0) {
        options.mode = Mode::kRead;
      } else if (std::strcmp(mode, "clock") == 0) {
        options.mode = Mode::kClock;
      } else {
        usage_error("bad --mode");
      }
    } else {
      usage_error("unknown option or missing value");
    }
  }
  if (options.threads < 1 || options.seconds < 0 || options.sleep_ms < 1)
    usage_error("bad --threads, --seconds or --sleep-ms");
  return options;
}

void on_alarm(int) {}

// Read mode on the main thread: SIGALRM after `seconds` interrupts the blocked read(),
// and again every 20 ms after that, in case the first one came before read() began.
void arm_alarm(double seconds) {
  struct sigaction action {};
  action.sa_handler = on_alarm;  // no SA_RESTART, so read() fails with EINTR
  sigaction(SIGALRM, &action, nullptr);
  itimerval timer{};
  const auto micros = static_cast<long long>(seconds * 1e6) + 1;
  timer.it_value.tv_sec = static_cast<time_t>(micros / 1'000'000);
  timer.it_value.tv_usec = static_cast<suseconds_t>(micros % 1'000'000);
  timer.it_interval.tv_usec = 20'000;
  setitimer(ITIMER_REAL, &timer, nullptr);
}

}  // namespace

int main(int argc, char** argv) {
  Options options = parse_options(argc, argv);
  int pipe_fds[2] = {-1, -1};
  if (options.mode == Mode::kRead) {
    if (pipe(pipe_fds) != 0) return 1;
    options.pipe_read = pipe_fds[0];  // pipe_fds[1] stays open: read() blocks
  }
  std::uint64_t result = 0;
  if (options.threads == 1) {
    if (options.mode == Mode::kRead && options.seconds > 0) arm_alarm(options.seconds);
    result = outer(options, 42);  // LINE: main-call-outer
  } else {
    std::vector<pthread_t> threads(static_cast<std::size_t>(options.threads));
    for (pthread_t& thread : threads) {
      if (pthread_create(&thread, nullptr, thread_main, &options) != 0) return 1;
    }
    if (options.mode == Mode::kRead && options.seconds > 0) {
      const auto nanos = static_cast<long long>(options.seconds * 1e9);
      timespec wait{static_cast<time_t>(nanos / 1'000'000'000),
                    static_cast<long>(nanos % 1'000'000'000)};
      while (nanosleep(&wait, &wait) != 0 && errno == EINTR) {
      }
      close(pipe_fds[1]);  // every blocked read() now returns 0
      pipe_fds[1] = -1;
    }
    for (pthread_t thread : threads) pthread_join(thread, nullptr);
  }
  std::printf("done %llu\n", static_cast<unsigned long long>(result & 0xff));
  return 0;
}
