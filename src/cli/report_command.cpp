// `cspy report RAW -o out.svg`: replays a raw sample file saved by `cspy record --raw`
// through unwinding and symbolization, without the process, and writes any format.
// `--map-path OLD=NEW` finds the binaries under a new prefix (moved or copied files).
#include <cstdio>
#include <iostream>

#include <boost/program_options.hpp>
#include <fmt/core.h>

#include "cspy/cli/commands.h"
#include "exit_codes.h"
#include "options.h"
#include "profile_output.h"
#include "cspy/pipeline/replay.h"
#include "cspy/sampling/raw_file.h"

namespace po = boost::program_options;

namespace cspy::cli {

namespace {

struct ReportOptions {
  std::string input;
  std::string output;
  std::string format;
  std::vector<std::string> map_paths;
  output::WriteOptions write;
  bool full_signatures = false;
};

// Replaces every OLD prefix of a path in the maps text with NEW.
Result<std::string> remap(std::string maps, const std::vector<std::string>& rules) {
  for (const std::string& rule : rules) {
    auto eq = rule.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Error(ErrorKind::kUsage, "--map-path wants OLD=NEW, got '" + rule + "'");
    }
    std::string from = rule.substr(0, eq), to = rule.substr(eq + 1);
    for (auto pos = maps.find(from); pos != std::string::npos; pos = maps.find(from, pos + to.size())) {
      maps.replace(pos, from.size(), to);
    }
  }
  return maps;
}

}  // namespace

constexpr const char* kReportUsage =
    "usage: cspy report [options] RAW_FILE\n\n"
    "Render raw samples saved by `cspy record --raw` again, in any format.\n\n";

int report_main(const std::vector<std::string>& args, const std::vector<std::string>& command) {
  ReportOptions o;
  po::options_description desc("options");
  desc.add_options()
      ("help,h", "show this help")
      ("input,i", po::value<std::string>(&o.input), "raw sample file written by `cspy record --raw`")
      ("output,o", po::value<std::string>(&o.output)->default_value("-"),
       "file to write (format from the extension); '-' for stdout")
      ("format,f", po::value<std::string>(&o.format), "flamegraph, folded or speedscope")
      ("map-path", po::value<std::vector<std::string>>(&o.map_paths), "OLD=NEW: read binaries under NEW")
      ("threads", po::bool_switch(&o.write.thread_roots), "a root frame per thread")
      ("lines", po::bool_switch(&o.write.lines), "group by source line: file:line in each frame")
      ("full-signatures", po::bool_switch(&o.full_signatures), "keep C++ parameter lists in names")
      ("reverse", po::bool_switch(&o.write.reverse), "flamegraph: icicle graph, callees at the root")
      ("title", po::value<std::string>(&o.write.title), "flamegraph title");
  po::positional_options_description positional;
  positional.add("input", 1);
  po::variables_map vm;
  if (auto done = parse_options("report", kReportUsage, args, desc, vm, &positional)) return *done;
  if (o.input.empty() || !command.empty()) {
    std::fprintf(stderr, "cspy report: give a raw sample file; see `cspy report --help`\n");
    return kExitUsage;
  }
  auto format = choose_format(o.format, o.output);
  if (!format) return report(format.error());
  auto recording = sampling::read_raw_file(o.input);
  if (!recording) return report(recording.error());
  auto maps = remap(recording->maps, o.map_paths);
  if (!maps) return report(maps.error());

  aggregate::Profile profile(*format == output::Format::kSpeedscope);
  const pipeline::InterpreterOptions interpret{.lines = o.write.lines,
                                              .full_signatures = o.full_signatures};
  if (auto replayed = pipeline::replay(*recording, *maps, profile, interpret); !replayed) {
    return report(replayed.error());
  }
  profile.info().command = "cspy report " + o.input;
  auto written = write_profile_file(o.output, *format, profile, o.write);
  if (!written) return report(written.error());
  return kExitOk;
}

}  // namespace cspy::cli
