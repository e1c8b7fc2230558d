// The subcommands. Each parses its own options (Boost.Program_options), does its work
// and returns an exit code (exit_codes.h). run() dispatches on argv[1].
#pragma once

#include <string>
#include <vector>

namespace cspy::cli {

// Entry point for main(): `cspy <subcommand> [options] [-- command args]`.
int run(int argc, char** argv);

// args: the options after the subcommand name; command: anything after "--".
int record_main(const std::vector<std::string>& args, const std::vector<std::string>& command);

int report_main(const std::vector<std::string>& args, const std::vector<std::string>& command);
int dump_main(const std::vector<std::string>& args, const std::vector<std::string>& command);

int top_main(const std::vector<std::string>& args, const std::vector<std::string>& command);

// The version line: "cspy 0.1.0 (git abc1234)".
std::string version_line();

}  // namespace cspy::cli
