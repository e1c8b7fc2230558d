// A target whose names are hostile: the main thread (prctl PR_SET_NAME) and four workers
// (pthread_setname_np) carry terminal escapes, ';' and newlines, markup and quotes, and
// invalid UTF-8. Every thread spins in hostile_spin(); prints "ready" once all are named.
// Usage: hostile_names [--seconds S] (default: until killed)
#include <pthread.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

namespace {

// At most 15 bytes each (TASK_COMM_LEN - 1).
const char* const kWorkerNames[] = {
    "\x1b[2J\x1b]0;pwn\x07",  // clear screen, then set the window title (OSC)
    "a;b\nc\rd",              // the folded separator, a newline, a carriage return
    "</script>\"'&",          // markup and quotes
    "bad\xff\xfe\xc3(",       // invalid UTF-8
};
std::atomic<int> g_named{0};
std::atomic<bool> g_stop{false};
volatile unsigned long g_sink = 0;

__attribute__((noinline)) void hostile_spin() {
  unsigned long x = 0;
  while (!g_stop.load(std::memory_order_relaxed)) {
    for (int i = 0; i < 100000; ++i) x += static_cast<unsigned long>(i) * 7;
    g_sink = x;
  }
}

void worker(const char* name) {
  pthread_setname_np(pthread_self(), name);
  g_named.fetch_add(1);
  hostile_spin();
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 0;
  if (argc == 3 && std::strcmp(argv[1], "--seconds") == 0) seconds = std::strtod(argv[2], nullptr);
  prctl(PR_SET_NAME, "m\x1b[31m;\n\xff", 0, 0, 0);
  std::vector<std::thread> threads;
  for (const char* name : kWorkerNames) threads.emplace_back(worker, name);
  while (g_named.load() < static_cast<int>(std::size(kWorkerNames))) usleep(1000);
  std::puts("ready");
  (void)std::fflush(stdout);
  if (seconds > 0) {
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    g_stop = true;
  }
  for (auto& t : threads) t.join();
  return 0;
}
