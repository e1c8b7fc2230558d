// cspy's exit codes, documented in the README and the man pages. Only the CLI uses them.
#pragma once

#include "cspy/core/result.h"

namespace cspy::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;          // any other failure
inline constexpr int kExitUsage = 2;          // bad command line
inline constexpr int kExitNoSuchProcess = 3;  // the PID does not exist
inline constexpr int kExitPermission = 4;     // ptrace / perf_event_open not permitted
inline constexpr int kExitNotTraceable = 5;   // zombie or kernel thread
inline constexpr int kExitBadInput = 6;       // unreadable input, command not found, write failed

int exit_code_for(const Error& error);
// Prints "cspy: <message>" on stderr and returns the exit code for `error`.
int report(const Error& error);

}  // namespace cspy::cli
