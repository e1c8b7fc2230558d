// The stop flag set by SIGINT/SIGTERM/SIGHUP.
#include "stop_signals.h"

#include <signal.h>

#include <atomic>

namespace cspy::cli {

namespace {
std::atomic<bool> g_stop{false};
extern "C" void on_stop_signal(int) { g_stop.store(true); }
}  // namespace

void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGHUP, &sa, nullptr);
}

bool stop_requested() { return g_stop.load(); }
void request_stop() { g_stop.store(true); }

}  // namespace cspy::cli
