// Command::execute: parsing, --help and usage errors, the same for every command.
#include "command.h"

#include <cstdio>
#include <iostream>

#include "exit_codes.h"
#include "options.h"

namespace po = boost::program_options;

namespace cspy::cli {

int Command::execute(const std::vector<std::string>& args,
                     const std::vector<std::string>& program) {
  po::options_description options("options");
  options.add_options()("help,h", "show this help");
  describe(options);
  po::positional_options_description positional;
  describe_positional(positional);
  po::variables_map vm;
  try {
    po::command_line_parser parser(replace_aliases(args, short_aliases()));
    parser.options(options).positional(positional);
    po::store(parser.run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    return usage_error(e.what());
  }
  if (vm.count("help") != 0) {
    std::cout << usage() << "options:\n" << format_options(options);
    return kExitOk;
  }
  return run(program);
}

int Command::usage_error(const std::string& message) const {
  (void)std::fprintf(stderr, "cspy %s: %s; see `cspy %s --help`\n", name(), message.c_str(),
                     name());
  return kExitUsage;
}

}  // namespace cspy::cli
