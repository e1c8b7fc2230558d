// Replay: a recording saved by `record --raw` through the same Interpreter as a live run,
// without the process — what `cspy report` does and what the pipeline's golden tests
// check. Each sample is named with the maps its process had when it was taken (the
// recording's maps versions, in order); the caller may edit every maps text (remap paths).
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
// `profile`, naming addresses with the modules of the maps in force at each sample (each
// maps text edited by `edit_maps` when given: --map-path); names the threads as the
// recording did; fills the profile's pid, start time and duration from the samples, its
// rate and wall-clock start from the recording (0 when an older one did not keep them),
// and `idle` when any sample is of a thread off CPU (--idle; weights are then nanoseconds).
// What could not be used to name frames (a file that is not the recorded one) is added to
// `notices` when given. A recording of several processes (--subprocesses) names each
// process's samples by its own maps.
using MapsEdit = std::function<Result<std::string>(const std::string&)>;
Result<void> replay(const sampling::RawRecording& recording, aggregate::Profile& profile,
                    const InterpreterOptions& options, std::vector<std::string>* notices = nullptr,
                    const MapsEdit& edit_maps = {});

}  // namespace cspy::pipeline
