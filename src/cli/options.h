// Command-line parsing shared by the subcommands: Boost.Program_options with cspy's
// conventions — `--help` prints the usage text and the options, a bad command line is one
// line on stderr pointing at --help, exit code 2.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "cspy/pipeline/session.h"

// Boost.Program_options reads the pipeline's enums by name (found by argument-dependent
// lookup): `--sampler ptrace`, `--unwinder libunwind`; any other name is a usage error.
namespace cspy::pipeline {
void validate(boost::any& value, const std::vector<std::string>& tokens, SamplerKind*, int);
void validate(boost::any& value, const std::vector<std::string>& tokens, UnwinderKind*, int);
}  // namespace cspy::pipeline

namespace cspy::cli {

// Parses `args` for subcommand `command` ("record"...). Returns an exit code when the
// command is done (help shown: 0; bad command line: 2), nullopt to go on.
std::optional<int> parse_options(const std::string& command, const std::string& usage,
                                 const std::vector<std::string>& args,
                                 const boost::program_options::options_description& desc,
                                 boost::program_options::variables_map& vm,
                                 const boost::program_options::positional_options_description*
                                     positional = nullptr);

}  // namespace cspy::cli
