// `cspy diff BEFORE AFTER -o diff.svg`: a differential flamegraph of two recordings (raw
// sample files, replayed as `report` does, folded stacks or pprof files): AFTER drawn,
// coloured by the change of each frame's self share from BEFORE; or difffolded's folded lines.
// The comparison and its colours are output/diff.h's; this class reads and filters.
#include <optional>
#include <utility>

#include <boost/program_options.hpp>

#include "command.h"
#include "cspy/output/diff.h"
#include "exit_codes.h"
#include "options.h"
#include "profile_input.h"
#include "profile_output.h"

namespace po = boost::program_options;

namespace cspy::cli {

namespace {

class DiffCommand final : public Command {
 public:
  const char* name() const override { return "diff"; }
  const char* usage() const override {
    return "usage: cspy diff [options] BEFORE AFTER\n\n"
           "Compare two recordings (raw sample files of `cspy record --raw`, folded stacks\n"
           "or pprof files of `-f pprof`): AFTER's flamegraph, each frame red where its\n"
           "share of the samples grew, blue where it shrank; or difffolded.pl's\n"
           "`stack before after` lines.\n\n";
  }

 private:
  void describe(po::options_description& d) override {
    d.add_options()("before", po::value<std::string>(&before_)->value_name("FILE"),
                    "the recording to compare against (raw sample file, folded stacks or pprof)")(
        "after", po::value<std::string>(&after_)->value_name("FILE"),
        "the recording drawn (raw sample file, folded stacks or pprof)")(
        "output,o", po::value<std::string>(&output_)->default_value("-")->value_name("FILE"),
        "file to write (format from the extension); '-' for stdout")(
        "format,f",
        po::value<output::Format>()->value_name("FORMAT")->notifier(
            [this](output::Format f) { format_ = f; }),
        "flamegraph or folded")(
        "map-path", po::value<std::vector<std::string>>(&input_.map_paths)->value_name("OLD=NEW"),
        "read the binaries under NEW instead of OLD (raw files)")(
        "lines", po::bool_switch(&write_.lines), "group by source line: file:line in each frame")(
        "full-signatures", po::bool_switch(&full_signatures_), "keep C++ parameter lists in names")(
        "title", po::value<std::string>(&write_.title)->value_name("TEXT"), "flamegraph title");
    add_filter_options(d, filter_);
  }
  void describe_positional(po::positional_options_description& positional) override {
    positional.add("before", 1).add("after", 1);
  }

  // One input, loaded and filtered; its command names the file in the title.
  Result<aggregate::Profile> load(const std::string& path, const aggregate::ProfileFilter& filter) {
    auto loaded = load_profile(path, input_);
    if (!loaded) return loaded.error();
    auto filtered = apply_filter(std::move(*loaded), filter);
    if (!filtered) return Error(filtered.error().kind(), path + ": " + filtered.error().message());
    filtered->info().command = path;
    return filtered;
  }

  int run(const std::vector<std::string>& program) override {
    if (before_.empty() || after_.empty() || !program.empty()) {
      return usage_error("give two recordings, BEFORE and AFTER");
    }
    auto format = choose_format(format_, output_);
    if (!format) return report(format.error());
    if (*format == output::Format::kSpeedscope || *format == output::Format::kPprof) {
      return usage_error("diff writes a flamegraph or folded stacks, not speedscope or pprof");
    }
    auto filter = aggregate::ProfileFilter::make(filter_);
    if (!filter) return report(filter.error());
    input_.interpret = {.lines = write_.lines, .full_signatures = full_signatures_};
    auto before = load(before_, *filter);
    if (!before) return report(before.error());
    auto after = load(after_, *filter);
    if (!after) return report(after.error());

    auto writer = [&](std::ostream& out) {
      if (*format == output::Format::kFolded) {
        output::write_diff_folded(*before, *after, write_, out);
      } else {
        output::write_diff_flamegraph(*before, *after, write_, out);
      }
    };
    auto written = write_output(output_, writer);
    if (!written) return report(written.error());
    return kExitOk;
  }

  std::string before_;
  std::string after_;
  std::string output_;
  std::optional<output::Format> format_;
  InputOptions input_;
  aggregate::FilterSpec filter_;
  output::WriteOptions write_;
  bool full_signatures_ = false;
};

}  // namespace

std::unique_ptr<Command> make_diff_command() { return std::make_unique<DiffCommand>(); }

}  // namespace cspy::cli
