// parse_options: Boost.Program_options with cspy's help and usage-error conventions.
#include "cspy/cli/options.h"

#include <cstdio>
#include <iostream>

#include "cspy/cli/exit_codes.h"

namespace po = boost::program_options;

namespace cspy::cli {

std::optional<int> parse_options(const std::string& command, const std::string& usage,
                                 const std::vector<std::string>& args,
                                 const po::options_description& desc, po::variables_map& vm,
                                 const po::positional_options_description* positional) {
  try {
    po::command_line_parser parser(args);
    parser.options(desc);
    if (positional != nullptr) parser.positional(*positional);
    po::store(parser.run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::fprintf(stderr, "cspy %s: %s; see `cspy %s --help`\n", command.c_str(), e.what(),
                 command.c_str());
    return kExitUsage;
  }
  if (vm.count("help") != 0) {
    std::cout << usage << desc;
    return kExitOk;
  }
  return std::nullopt;
}

}  // namespace cspy::cli
