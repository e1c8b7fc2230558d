// OffCpuPairing: turns one thread's context switches into off-CPU samples weighted by time.
// The sample the kernel takes as a thread leaves the CPU (user registers + stack) waits
// for that thread's next switch-in, and is then handed on weighing the nanoseconds in
// between. A preempted switch-out (the thread stayed runnable) is dropped: waiting for a
// CPU is not being blocked (perf's --off-cpu and bcc's offcputime count the same way).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <utility>

namespace cspy::sampling {

template <typename T>  // a record holding a RawSample `sample` (and what its spans point to)
class OffCpuPairing {
 public:
  // The switch-out sample of `taken.sample.tid`; it replaces one whose switch-in was lost.
  void switched_out(T&& taken) {
    const pid_t tid = taken.sample.tid;
    const std::uint64_t since = taken.sample.time_ns;
    pending_.insert_or_assign(tid, Pending{std::move(taken), since});
  }
  // A thread found blocked at attach: its stack read then, weighted from `since`.
  void blocked_since(T&& taken, std::uint64_t since) {
    const pid_t tid = taken.sample.tid;
    pending_.insert_or_assign(tid, Pending{std::move(taken), since});
  }
  // The switch-out record after the sample: a preempted thread was not blocked.
  void switch_out_record(pid_t tid, bool preempted) {
    if (preempted) pending_.erase(tid);
  }
  // The thread runs again: its pending sample goes to emit(T&&), weighted.
  template <typename Emit>
  void switched_in(pid_t tid, std::uint64_t time_ns, Emit&& emit) {
    auto it = pending_.find(tid);
    if (it == pending_.end()) return;
    Pending p = std::move(it->second);
    pending_.erase(it);
    if (time_ns <= p.since) return;
    p.taken.sample.off_cpu_ns = time_ns - p.since;
    p.taken.sample.time_ns = p.since;
    emit(std::move(p.taken));
  }
  // Hands on a copy of every pending sample, weighted up to `now_ns`; each stays pending
  // from then on (a recording's end, a live view's refresh).
  template <typename Emit>
  void flush(std::uint64_t now_ns, Emit&& emit) {
    for (auto& [tid, p] : pending_) {
      if (now_ns <= p.since) continue;
      T copy = p.taken;
      copy.sample.off_cpu_ns = now_ns - p.since;
      copy.sample.time_ns = p.since;
      p.since = now_ns;
      emit(std::move(copy));
    }
  }
  // The thread exited: its last switch-out does not end.
  void forget(pid_t tid) { pending_.erase(tid); }
  std::size_t pending() const { return pending_.size(); }

 private:
  struct Pending {
    T taken;
    std::uint64_t since = 0;
  };
  std::map<pid_t, Pending> pending_;
};

}  // namespace cspy::sampling
