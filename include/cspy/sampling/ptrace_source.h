// The ptrace sampling backend: the fallback where perf_event_open is refused. Each
// thread is seized (PTRACE_SEIZE); at every tick a running thread is interrupted, its
// registers and the top of its stack are read, and it is resumed at once. Each thread is a
// PtraceAttachment: signals are delivered, exited threads reaped, and stop() leaves every
// thread untraced and running (the kernel does the same if cspy dies).
#pragma once

#include <memory>

#include "cspy/sampling/sample_source.h"

namespace cspy::sampling {

std::unique_ptr<SampleSource> make_ptrace_source(const process::Process& target,
                                                 const SamplerOptions& options);

// Reads one thread's registers and stack once, stopping it only for the read: the
// building block of `cspy dump`. The thread must not be traced by cspy already.
struct ThreadSnapshot {
  RawSample sample;
  std::vector<std::uint8_t> stack_bytes;    // sample.stack points here
  std::vector<std::uint64_t> interp_words;  // sample.interp points here
  char state = '?';                         // /proc state before the interrupt
};
Result<ThreadSnapshot> snapshot_thread(const process::Process& target, pid_t tid,
                                       std::size_t stack_bytes, CaptureHook* hook = nullptr);

}  // namespace cspy::sampling
