// parse_options: Boost.Program_options with cspy's help and usage-error conventions.
#include "options.h"

#include <cstdio>
#include <iostream>

#include "exit_codes.h"

namespace po = boost::program_options;

namespace cspy::pipeline {

namespace {
// The one value of `tokens` as one of `names` (name -> enum), or a validation error.
// The one value of `tokens` as one of `names`; else "--option must be a or b, not 'c'".
template <typename Enum>
Enum parse_enum(const boost::any& value, const std::vector<std::string>& tokens,
                const char* option, std::initializer_list<std::pair<const char*, Enum>> names) {
  po::validators::check_first_occurrence(value);
  const std::string& token = po::validators::get_single_string(tokens);
  std::string choices;
  for (const auto& [name, kind] : names) {
    if (token == name) return kind;
    choices += choices.empty() ? name : std::string(" or ") + name;
  }
  throw po::error(std::string(option) + " must be " + choices + ", not '" + token + "'");
}
}  // namespace

void validate(boost::any& value, const std::vector<std::string>& tokens, SamplerKind*, int) {
  value = parse_enum<SamplerKind>(
      value, tokens, "--sampler", {{"perf_event", SamplerKind::kPerfEvent}, {"ptrace", SamplerKind::kPtrace}});
}

void validate(boost::any& value, const std::vector<std::string>& tokens, UnwinderKind*, int) {
  value = parse_enum<UnwinderKind>(
      value, tokens, "--unwinder", {{"libdw", UnwinderKind::kLibdw}, {"libunwind", UnwinderKind::kLibunwind}});
}

}  // namespace cspy::pipeline

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
