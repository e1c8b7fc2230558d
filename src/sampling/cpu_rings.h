// CpuRings: the task-clock events of many threads writing into one ring per CPU, so that
// locked memory grows with the CPUs, not the threads. A thread gets one event per CPU,
// redirected into that CPU's ring (PERF_EVENT_IOC_SET_OUTPUT) and inherited by the threads
// it creates (inherit_thread): those are sampled from their first tick and cost no
// descriptor. Records carry PERF_SAMPLE_IDENTIFIER, the id of the event a thread was
// opened or inherited through (owner_of() names that thread).
#pragma once

#include <linux/perf_event.h>
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <unordered_map>
#include <vector>

#include "cspy/core/result.h"
#include "cspy/core/unique_fd.h"
#include "ring_buffer.h"

namespace cspy::sampling {

class CpuRings {
 public:
  // One ring of `data_size` bytes per online CPU (halved down to `min_size` where the
  // locked-memory limit refuses it), waking the reader at `wakeup_bytes`. Each belongs to
  // a dummy event on cspy's own main thread, which outlives every target thread.
  static Result<CpuRings> open(std::size_t data_size, std::size_t min_size,
                               std::uint32_t wakeup_bytes);

  // Opens `tid`'s events, one per CPU, with `attr` (inherit is set here). All or none:
  // on failure the Error's errno is perf_event_open's.
  Result<void> add_thread(pid_t tid, perf_event_attr attr);
  // Closes the events of a thread that exited (its inherited children are the kernel's).
  void remove_thread(pid_t tid);
  bool has_thread(pid_t tid) const { return threads_.count(tid) != 0; }
  // The thread whose events carry this identifier; 0 when unknown.
  pid_t owner_of(std::uint64_t id) const;

  // The descriptors to poll: one per ring.
  std::vector<int> poll_fds() const;
  // Calls fn(header, record) for each complete record of each ring.
  template <typename Fn>
  void drain(std::vector<std::uint8_t>& scratch, Fn&& fn) {
    for (Ring& r : rings_) r.ring.drain(scratch, fn);
  }

  std::size_t cpus() const { return rings_.size(); }
  std::size_t threads() const { return threads_.size(); }
  std::size_t events() const { return threads_.size() * rings_.size() + rings_.size(); }
  std::size_t locked_bytes() const;

  // The online CPUs (/sys/devices/system/cpu/online), e.g. {0, 1}.
  static std::vector<int> online_cpus();

 private:
  struct Ring {
    int cpu;
    UniqueFd owner;  // the dummy event that owns the ring
    RingBuffer ring;
  };
  struct ThreadEvents {
    std::vector<UniqueFd> fds;  // one per ring, in the rings' order
    std::vector<std::uint64_t> ids;
  };
  std::vector<Ring> rings_;
  std::map<pid_t, ThreadEvents> threads_;
  std::unordered_map<std::uint64_t, pid_t> owners_;
};

}  // namespace cspy::sampling
