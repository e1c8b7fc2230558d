// `cspy report RAW -o out.svg`: replays a raw sample file saved by `cspy record --raw`
// through unwinding and symbolization, without the process, and writes any format.
// `--map-path OLD=NEW` finds the binaries under a new prefix (moved or copied files);
// --thread, --focus and --exclude keep part of the samples (profile_input.h).
#include <cstdio>
#include <optional>
#include <utility>

#include <fmt/core.h>
#include <boost/program_options.hpp>

#include "command.h"
#include "exit_codes.h"
#include "options.h"
#include "profile_input.h"
#include "profile_output.h"

namespace po = boost::program_options;

namespace cspy::cli {

namespace {

class ReportCommand final : public Command {
 public:
  const char* name() const override { return "report"; }
  const char* usage() const override {
    return "usage: cspy report [options] RAW_FILE\n\n"
           "Render raw samples saved by `cspy record --raw` again, in any format.\n\n";
  }

 private:
  void describe(po::options_description& d) override {
    d.add_options()("input,i", po::value<std::string>(&input_)->value_name("FILE"),
                    "raw sample file written by `cspy record --raw`")(
        "output,o", po::value<std::string>(&output_)->default_value("-")->value_name("FILE"),
        "file to write (format from the extension); '-' for stdout")(
        "format,f",
        po::value<output::Format>()->value_name("FORMAT")->notifier(
            [this](output::Format f) { format_ = f; }),
        "flamegraph, folded, speedscope or pprof")(
        "map-path",
        po::value<std::vector<std::string>>(&input_options_.map_paths)->value_name("OLD=NEW"),
        "read the binaries under NEW instead of OLD")(
        "threads", po::bool_switch(&write_.thread_roots), "a root frame per thread")(
        "lines", po::bool_switch(&write_.lines), "group by source line: file:line in each frame")(
        "full-signatures", po::bool_switch(&full_signatures_), "keep C++ parameter lists in names")(
        "off-cpu", po::bool_switch(&off_cpu_),
        "only the time threads spent off CPU (a recording made with --idle)")(
        "reverse", po::bool_switch(&write_.reverse),
        "flamegraph: icicle graph, callees at the root")(
        "title", po::value<std::string>(&write_.title)->value_name("TEXT"), "flamegraph title");
    add_python_options(d, python_);
    add_debug_dir_option(d, debug_dirs_);
    add_filter_options(d, filter_);
  }
  void describe_positional(po::positional_options_description& positional) override {
    positional.add("input", 1);
  }

  int run(const std::vector<std::string>& program) override {
    if (input_.empty() || !program.empty()) return usage_error("give a raw sample file");
    if (auto message = python_.invalid()) return usage_error(*message);
    auto format = choose_format(format_, output_);
    if (!format) return report(format.error());
    auto filter = aggregate::ProfileFilter::make(filter_);
    if (!filter) return report(filter.error());
    input_options_.keep_timeline = *format == output::Format::kSpeedscope;
    input_options_.interpret = {.lines = write_.lines,
                                .full_signatures = full_signatures_,
                                .debug_dirs = debug_dirs_,
                                .off_cpu_only = off_cpu_};
    python_.apply(input_options_.interpret);
    auto replayed = replay_raw_file(input_, input_options_);
    if (!replayed) return report(replayed.error());
    auto profile = apply_filter(std::move(*replayed), *filter);
    if (!profile) return report(profile.error());
    profile->info().command = "cspy report " + input_;
    auto written = write_profile_file(output_, *format, *profile, write_);
    if (!written) return report(written.error());
    return kExitOk;
  }

  std::string input_;
  bool off_cpu_ = false;  // --off-cpu
  std::string output_;
  std::optional<output::Format> format_;
  InputOptions input_options_;
  aggregate::FilterSpec filter_;
  output::WriteOptions write_;
  bool full_signatures_ = false;
  PythonOptions python_;
  std::vector<std::string> debug_dirs_;
};

}  // namespace

std::unique_ptr<Command> make_report_command() { return std::make_unique<ReportCommand>(); }

}  // namespace cspy::cli
