// IdleSampler: samples threads that are off CPU (blocked in a system call) for `--idle`,
// without stopping them: a blocked thread's user registers and stack do not change while
// it waits, so its syscall entry point (/proc/PID/task/TID/syscall gives pc and sp) and
// its stack (process_vm_readv) are read as they are. Called from a SampleSource's poll().
#pragma once

#include <cstdint>
#include <vector>

#include "cspy/process/process.h"
#include "cspy/sampling/raw_sample.h"

namespace cspy::sampling {

class IdleSampler {
 public:
  IdleSampler(const process::Process& target, double rate_hz, std::size_t stack_bytes,
              CaptureHook* hook = nullptr);

  // At each tick due by `now_ns`, samples every thread blocked in a syscall. Returns the
  // number of samples delivered.
  std::size_t poll(SampleSink& sink, std::uint64_t now_ns);
  // One read of thread `tid` if it is blocked in a system call (its number in
  // `syscall`), else null; valid until the next call. For threads already blocked when
  // exact off-CPU sampling (context-switch events) begins.
  const RawSample* read_blocked(pid_t tid) { return sample_thread(tid) ? &sample_ : nullptr; }

 private:
  // Reads a blocked thread's pc, sp and stack into sample_ (its time is the caller's).
  bool sample_thread(pid_t tid);

  const process::Process& target_;
  std::uint64_t interval_ns_;
  std::size_t stack_bytes_;
  CaptureHook* hook_;
  std::uint64_t next_tick_ns_ = 0;
  std::vector<std::uint64_t> ticks_;  // the ticks one poll() samples
  RawSample sample_;
  std::vector<std::uint8_t> buffer_;
  std::vector<std::uint64_t> words_;  // the hook's, for sample_.interp
};

}  // namespace cspy::sampling
