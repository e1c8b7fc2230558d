// The perf_event sampling backend (the default): per-thread task-clock events that copy
// user registers and stack into ring buffers; the target is never stopped.
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

std::unique_ptr<SampleSource> make_perf_event_source(const process::Process& target,
                                                     const PerfEventOptions& options);

}  // namespace cspy::sampling
