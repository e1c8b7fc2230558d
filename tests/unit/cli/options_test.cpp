// The CLI's option conventions: --help laid out as `-p, --pid PID  text (default: X)`,
// wrapped at 80 columns; enum options read by name, anything else one clear usage line;
// Command::execute's exit codes for --help, a bad command line and a run; other tools'
// one-letter aliases (perf's -F for --rate) read as the option they stand for.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "command.h"
#include "exit_codes.h"
#include "options.h"

namespace cspy::cli {
namespace {

namespace po = boost::program_options;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(FormatOptions, ConventionalFormWithValueNamesAndDefaults) {
  double rate = 0;
  bool idle = false;
  po::options_description d;
  d.add_options()("pid,p", po::value<int>()->value_name("PID"), "PID of a process")(
      "rate,r", po::value<double>(&rate)->default_value(100)->value_name("HZ"),
      "samples per second")("idle", po::bool_switch(&idle), "also off-CPU threads")(
      "title", po::value<std::string>(), "no value name given");
  const auto lines = lines_of(format_options(d));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], "  -p, --pid PID             PID of a process");
  EXPECT_EQ(lines[1], "  -r, --rate HZ             samples per second (default: 100)");
  EXPECT_EQ(lines[2], "  --idle                    also off-CPU threads");
  EXPECT_EQ(lines[3], "  --title ARG               no value name given");
}

TEST(FormatOptions, LongDescriptionsWrapUnderTheirColumn) {
  po::options_description d;
  d.add_options()("output,o", po::value<std::string>()->value_name("FILE"),
                  "file to write (format from the extension: .svg, .folded/.txt, .json); '-' "
                  "for stdout, and a few more words to need a third line of text here");
  const auto lines = lines_of(format_options(d));
  ASSERT_GE(lines.size(), 3u);
  for (const std::string& line : lines) EXPECT_LE(line.size(), 80u) << line;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i].find_first_not_of(' '), 28u) << lines[i];
  }
}

// Parses `args` against one option of type T; the exception's text when it fails.
template <typename T>
std::string parse_error(const std::string& option, const std::vector<std::string>& args, T& out) {
  po::options_description d;
  d.add_options()(option.c_str(), po::value<T>(&out), "");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(d).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    return e.what();
  }
  return "";
}

TEST(EnumOptions, ReadByName) {
  pipeline::SamplerKind sampler = pipeline::SamplerKind::kPerfEvent;
  EXPECT_EQ(parse_error("sampler", {"--sampler", "ptrace"}, sampler), "");
  EXPECT_EQ(sampler, pipeline::SamplerKind::kPtrace);
  pipeline::UnwinderKind unwinder = pipeline::UnwinderKind::kLibdw;
  EXPECT_EQ(parse_error("unwinder", {"--unwinder=libunwind"}, unwinder), "");
  EXPECT_EQ(unwinder, pipeline::UnwinderKind::kLibunwind);
  output::Format format = output::Format::kFlamegraph;
  EXPECT_EQ(parse_error("format", {"--format", "speedscope"}, format), "");
  EXPECT_EQ(format, output::Format::kSpeedscope);
}

TEST(EnumOptions, RawIsPySpysNameForFolded) {
  output::Format format = output::Format::kFlamegraph;
  EXPECT_EQ(parse_error("format,f", {"-f", "raw"}, format), "");
  EXPECT_EQ(format, output::Format::kFolded);
}

TEST(EnumOptions, AnyOtherNameIsOneClearLine) {
  pipeline::SamplerKind sampler{};
  EXPECT_EQ(parse_error("sampler", {"--sampler", "ebpf"}, sampler),
            "--sampler must be perf_event or ptrace, not 'ebpf'");
  pipeline::UnwinderKind unwinder{};
  EXPECT_EQ(parse_error("unwinder", {"--unwinder", "fp"}, unwinder),
            "--unwinder must be libdw or libunwind, not 'fp'");
  output::Format format{};
  EXPECT_NE(parse_error("format", {"--format", "pdf"}, format).find("unknown format 'pdf'"),
            std::string::npos);
}

TEST(ShortAliases, ReplacedByTheirOptionWithOrWithoutAnAttachedValue) {
  const std::vector<ShortAlias> aliases{{"-F", "-r"}};
  EXPECT_EQ(replace_aliases({"-F", "1000", "-F99", "-q"}, aliases),
            (std::vector<std::string>{"-r", "1000", "-r99", "-q"}));
  // Long options and other short ones are left alone, also those that start like one.
  EXPECT_EQ(replace_aliases({"--format", "folded", "-f", "raw", "--F"}, aliases),
            (std::vector<std::string>{"--format", "folded", "-f", "raw", "--F"}));
  EXPECT_EQ(replace_aliases({"-F"}, {}), (std::vector<std::string>{"-F"}));
}

// A command that records what it was run with.
class EchoCommand final : public Command {
 public:
  const char* name() const override { return "echo"; }
  const char* usage() const override { return "usage: cspy echo [options]\n\n"; }
  std::vector<ShortAlias> short_aliases() const override { return {{"-N", "-n"}}; }
  int runs = 0;
  int count = 0;

 private:
  void describe(po::options_description& d) override {
    d.add_options()("count,n", po::value<int>(&count)->value_name("N"), "a number");
  }
  int run(const std::vector<std::string>& program) override {
    ++runs;
    return program.empty() ? kExitOk : 7;
  }
};

TEST(CommandExecute, HelpIsExitZeroWithoutRunning) {
  EchoCommand c;
  testing::internal::CaptureStdout();
  EXPECT_EQ(c.execute({"--help"}, {}), kExitOk);
  const std::string out = testing::internal::GetCapturedStdout();
  EXPECT_EQ(c.runs, 0);
  EXPECT_NE(out.find("usage: cspy echo [options]\n\noptions:\n  -h, --help"), std::string::npos)
      << out;
  EXPECT_NE(out.find("  -n, --count N "), std::string::npos) << out;
}

TEST(CommandExecute, BadCommandLineIsExitTwoWithOneLine) {
  EchoCommand c;
  testing::internal::CaptureStderr();
  EXPECT_EQ(c.execute({"--count", "many"}, {}), kExitUsage);
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(c.runs, 0);
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_NE(err.find("cspy echo: "), std::string::npos) << err;
  EXPECT_NE(err.find("see `cspy echo --help`"), std::string::npos) << err;
}

TEST(CommandExecute, RunsWithParsedOptionsAndTheProgram) {
  EchoCommand c;
  EXPECT_EQ(c.execute({"-n", "3"}, {}), kExitOk);
  EXPECT_EQ(c.count, 3);
  EXPECT_EQ(c.execute({}, {"prog", "arg"}), 7);
  EXPECT_EQ(c.runs, 2);
}

TEST(CommandExecute, AnAliasIsReadAsItsOptionButNotListed) {
  EchoCommand c;
  EXPECT_EQ(c.execute({"-N", "4"}, {}), kExitOk);
  EXPECT_EQ(c.count, 4);
  EchoCommand twice;
  testing::internal::CaptureStderr();
  EXPECT_EQ(twice.execute({"-N", "4", "-n", "5"}, {}), kExitUsage);
  EXPECT_NE(testing::internal::GetCapturedStderr().find("more than once"), std::string::npos);
  testing::internal::CaptureStdout();
  EXPECT_EQ(c.execute({"--help"}, {}), kExitOk);
  EXPECT_EQ(testing::internal::GetCapturedStdout().find("-N"), std::string::npos);
}

}  // namespace
}  // namespace cspy::cli
