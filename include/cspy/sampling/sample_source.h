// SampleSource: where raw samples come from. perf_event (default) and ptrace implement
// it; tests replay recorded samples through the same interface.
// Usage: start(); loop { poll(sink, 50) } until done; stop(). The target is never left stopped.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "cspy/core/result.h"
#include "cspy/process/process.h"
#include "cspy/sampling/raw_sample.h"

namespace cspy::sampling {

struct SamplerOptions {
  double rate_hz = 100;
  std::size_t stack_bytes = 16384;  // user stack copied per sample
  bool idle = false;                // also sample threads that are off-CPU
  // Also sample every process the target starts (and its existing children): their
  // threads are found as the target's are. perf_event only.
  bool children = false;
  // With `children`: called (on the sampler's thread) for the target and each child
  // process alive at each look for threads (the first before its first sample is delivered), so
  // that what names its samples can be read while it lives.
  std::function<void(pid_t)> process_seen;
  // Called on each sample as it is taken; not owned; must outlive the source. With a
  // hook, perf_event wakes its reader at every sample rather than per batch.
  CaptureHook* hook = nullptr;
};

class SampleSource {
 public:
  virtual ~SampleSource() = default;
  virtual Result<void> start() = 0;
  // Waits up to timeout_ms for samples, hands every available one to `sink`, and picks up
  // threads born since the last call. Returns the number of samples delivered.
  virtual Result<std::size_t> poll(SampleSink& sink, int timeout_ms) = 0;
  // Stops sampling; safe to call twice; the destructor calls it.
  virtual void stop() = 0;
  virtual std::size_t threads_seen() const = 0;
  // Threads seen but not sampled (e.g. no ring buffer could be locked for them), and why.
  virtual std::size_t threads_unsampled() const { return 0; }
  virtual std::string unsampled_reason() const { return {}; }
  // A one-line notice about how the source samples, once started ("" when none): e.g.
  // that off-CPU stacks are polled from /proc because the kernel refused the exact way.
  virtual std::string notice() const { return {}; }
  // Why samples were lost ("" when none were, or the source cannot tell): where they were
  // dropped and what loses fewer.
  virtual std::string lost_reason() const { return {}; }
  // Whether every mapping and exec of the sampled processes reaches the sink (on_mmap,
  // on_exec) since start(): false for sources that report none, and once the kernel lost
  // records (a full ring). Without them, maps are read from /proc.
  virtual bool reports_maps() const { return false; }
  virtual const char* name() const = 0;
};

}  // namespace cspy::sampling
