// Ctrl-C and SIGTERM handling for long-running subcommands: the first signal asks the
// command to stop and write what it has; the loop polls stop_requested().
#pragma once

namespace cspy::cli {

// Installs SIGINT/SIGTERM/SIGHUP handlers that set a flag (no SA_RESTART).
void install_stop_handlers();
bool stop_requested();
void request_stop();

}  // namespace cspy::cli
