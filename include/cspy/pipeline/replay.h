// Replay: a recording saved by `record --raw` through the same Interpreter as a live run,
// without the process — what `cspy report` does and what the pipeline's golden tests
// check. The maps text is passed separately so that the caller may remap its paths.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "cspy/aggregate/profile.h"
#include "cspy/core/result.h"
#include "cspy/pipeline/interpreter.h"
#include "cspy/sampling/raw_file.h"

namespace cspy::pipeline {

// Unwinds, symbolizes and counts every sample and every lost record of `recording` into
// `profile`, naming addresses with the modules of `maps`; names the threads as the
// recording did; fills the profile's pid, start time and duration from the samples, its
// rate and wall-clock start from the recording (0 when an older one did not keep them),
// and `idle` when any sample is of a thread off CPU (--idle; weights are then nanoseconds).
// What could not be used to name frames (a file that is not the recorded one) is added to
// `notices` when given. A recording of several processes (--subprocesses) names each
// process's samples by its own maps, edited by `child_maps` when given (as `maps` was).
using MapsEdit = std::function<Result<std::string>(const std::string&)>;
Result<void> replay(const sampling::RawRecording& recording, const std::string& maps,
                    aggregate::Profile& profile, const InterpreterOptions& options,
                    std::vector<std::string>* notices = nullptr, const MapsEdit& child_maps = {});

}  // namespace cspy::pipeline
