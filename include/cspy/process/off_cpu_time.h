// How long a thread has been off CPU, for `cspy dump`. The scheduler stamps a task's
// se.exec_start (/proc/PID/task/TID/sched) with its CPU's run-queue task clock whenever it
// accounts the task's run time, last when the task left the CPU. "Now" on that same
// per-CPU clock comes from cspy's own thread made to run on that CPU (switched in, its
// own exec_start is stamped). That clock leaves out time a hypervisor reports as stolen.
//   RunQueueClock clock;  auto last = read_last_ran(pid, tid);  clock.now_on(last->cpu)
#pragma once

#include <sched.h>
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string_view>

namespace cspy::process {

// When a thread last ran: its exec_start (ns on the task clock of `cpu`) and that CPU.
struct LastRan {
  std::uint64_t exec_start_ns = 0;
  int cpu = -1;
};

// "se.exec_start   :   173485.508986" (milliseconds) of a sched file, in nanoseconds.
std::optional<std::uint64_t> parse_exec_start_ns(std::string_view sched_text);
// The CPU a thread last ran on: field 39 of /proc/PID/task/TID/stat.
std::optional<int> parse_last_cpu(std::string_view stat_text);
// Both, read for thread `tid`; nullopt when a file is unreadable (the thread exited).
std::optional<LastRan> read_last_ran(pid_t pid, pid_t tid);

// Reads the task clock of a CPU by running the calling thread there; the destructor gives
// the thread its CPU affinity back. Move-only in spirit: neither copied nor moved.
class RunQueueClock {
 public:
  RunQueueClock();
  ~RunQueueClock();
  RunQueueClock(const RunQueueClock&) = delete;
  RunQueueClock& operator=(const RunQueueClock&) = delete;

  // The task clock of `cpu` now, in ns; nullopt when this thread may not run there.
  std::optional<std::uint64_t> now_on(int cpu);

 private:
  cpu_set_t original_{};
  bool saved_ = false;
  bool moved_ = false;
};

}  // namespace cspy::process
