// Atomic file output: write to a temporary file beside the target, fsync, rename over it,
// so a crash or a full disk never leaves half a file where the old one was.
#pragma once

#include <functional>
#include <ostream>
#include <string>

#include "cspy/core/result.h"

namespace cspy::output {

Result<void> write_file_atomically(const std::string& path,
                                   const std::function<void(std::ostream&)>& write);

}  // namespace cspy::output
