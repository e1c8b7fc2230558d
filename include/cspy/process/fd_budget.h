// The file descriptors a recording needs: the perf_event sampler holds one or more per
// thread of the target (one per CPU with rings per CPU), so a process with more threads
// than `ulimit -n` allows cannot be sampled whole. ensure_fd_budget() raises the soft limit toward
// the hard one when that is enough, and otherwise explains, before sampling starts, which limit to
// raise.
#pragma once

#include <cstddef>

#include "cspy/core/result.h"

namespace cspy::process {

// Descriptors cspy keeps besides those of the threads (its own files, ELF files, the terminal).
inline constexpr std::size_t kFdReserve = 64;

// Makes RLIMIT_NOFILE's soft limit at least threads * per_thread + kFdReserve, raising it
// up to the hard limit; an Error naming `ulimit -n` and the number needed when the hard
// limit is too low.
Result<void> ensure_fd_budget(std::size_t threads, std::size_t per_thread = 1);

}  // namespace cspy::process
