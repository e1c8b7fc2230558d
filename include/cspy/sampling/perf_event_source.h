// The perf_event sampling backend (the default): task-clock events that copy user
// registers and stack into ring buffers, one ring per CPU shared by all threads (one per
// thread with --idle); the target is never stopped.
// Fails start() with kPermission (explained) when perf_event_open is refused.
#pragma once

#include <memory>

#include "cspy/sampling/sample_source.h"

namespace cspy::sampling {

struct PerfEventOptions {
  SamplerOptions sampler;
  // For a launched child held before exec: count from exec on, not before.
  bool enable_on_exec = false;
};

// The descriptors the backend holds per thread of the target: one per CPU, or 2 (--idle).
std::size_t perf_event_fds_per_thread(bool idle);

std::unique_ptr<SampleSource> make_perf_event_source(const process::Process& target,
                                                     const PerfEventOptions& options);

}  // namespace cspy::sampling
