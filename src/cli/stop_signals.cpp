// The stop flag set by SIGINT/SIGTERM/SIGHUP, and whether the terminal sent the signal;
// SIGPIPE caught and dropped.
#include "stop_signals.h"

#include <signal.h>

#include <atomic>

namespace cspy::cli {

namespace {
std::atomic<bool> g_stop{false};
std::atomic<bool> g_from_terminal{false};
extern "C" void on_stop_signal(int, siginfo_t* info, void*) {
  // The terminal driver sends Ctrl-C's SIGINT (and a hangup's SIGHUP) to the whole
  // foreground process group, as the kernel: SI_KERNEL. kill(1) and kill(2) give SI_USER.
  if (info != nullptr && info->si_code == SI_KERNEL) g_from_terminal.store(true);
  g_stop.store(true);
}
// SIGPIPE is caught and dropped: a reader of cspy's stderr that went away (`2>&1 | head`)
// must not end a recording and lose its samples; the write fails with EPIPE instead. A
// handler, not SIG_IGN, so that a program cspy launches gets the default back at exec.
extern "C" void on_broken_pipe(int) {}
}  // namespace

void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_sigaction = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGHUP, &sa, nullptr);
  struct sigaction drop {};
  drop.sa_handler = on_broken_pipe;
  sigemptyset(&drop.sa_mask);
  sigaction(SIGPIPE, &drop, nullptr);
}

bool stop_requested() { return g_stop.load(); }
bool stop_came_from_terminal() { return g_from_terminal.load(); }
void request_stop() { g_stop.store(true); }

}  // namespace cspy::cli
