// cspy's command line: run() dispatches `cspy <command> ...` to one Command (command.h,
// private to src/cli) and returns the exit code. main() is all that uses it.
#pragma once

#include <string>
#include <vector>

namespace cspy::cli {

// Entry point for main(): `cspy <subcommand> [options] [-- command args]`.
int run(int argc, char** argv);

// The version line: "cspy 0.1.0 (git abc1234)".
std::string version_line();

}  // namespace cspy::cli
