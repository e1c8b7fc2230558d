// Ctrl-C and SIGTERM handling for long-running subcommands: the first signal asks the
// command to stop and write what it has; the loop polls stop_requested(). And how long a
// program cspy started gets to end when cspy stops it (record and top alike).
#pragma once

#include <chrono>

namespace cspy::cli {

// Between SIGINT and SIGTERM, and between SIGTERM and SIGKILL, when cspy stops a program it
// launched (process::Target::stop); --help and the man pages say "1 s".
inline constexpr std::chrono::milliseconds kStopGrace{1000};

// Installs SIGINT/SIGTERM/SIGHUP handlers that set a flag (no SA_RESTART), and one that
// drops SIGPIPE (a closed stderr pipe does not end the run; writes fail with EPIPE).
void install_stop_handlers();
bool stop_requested();
// True when a stop signal came from the terminal (Ctrl-C, hangup): it went to the whole
// foreground job, so a program cspy started has had it too.
bool stop_came_from_terminal();
void request_stop();

}  // namespace cspy::cli
