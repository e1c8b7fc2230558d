// pprof output read by the real consumer, Debian's `go tool pprof`: a recording of the
// julia target (by PID, with --raw) written as pprof live and again from the raw file,
// checked against cspy's folded output of the same raw file — equal sample totals,
// calculate_z_serial_purepython's share within 0.5 pp, inlined frames kept (several Lines
// on one Location), and the julia mapping's build-id equal to `readelf -n`'s. Go runs
// offline, with its HOME, cache and GOPATH in the test's directory.
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/child_process.h"
#include "support/test_files.h"

namespace cspy::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kHot = "calculate_z_serial_purepython";

class PprofJulia : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // A directory of its own: ctest runs each test of the suite as a process of its own,
    // in parallel, and each records julia here.
    dir_ = new std::string(make_temp_dir());
    ChildProcess julia({target_binary("julia"), "--seconds", "30"}, Stderr::kDiscard);
    ASSERT_TRUE(julia.started());
    std::this_thread::sleep_for(300ms);
    CommandResult r = run_command(
        {cspy_binary(), "record", "-q", "--pid", std::to_string(julia.pid()), "--rate", "1000",
         "--duration", "2", "--raw", path("julia.raw"), "-o", path("live.pb.gz")},
        60s);
    julia.kill_and_reap();
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (const char* out : {"julia.folded", "julia.pb.gz"}) {
      CommandResult report =
          run_command({cspy_binary(), "report", path("julia.raw"), "-o", path(out)}, 60s);
      ASSERT_EQ(report.exit_code, 0) << out << ": " << report.err;
    }
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    CSPY_REQUIRE_TOOL(have_program("go"), "go is not installed (Debian: golang-go)");
  }

  static std::string path(const std::string& name) { return *dir_ + "/" + name; }

  // `go tool pprof ARGS FILE` offline; its stdout.
  static std::string pprof(const std::vector<std::string>& args, const std::string& file) {
    std::vector<std::string> argv{"env",
                                  "HOME=" + path("go-home"),
                                  "GOCACHE=" + path("go-cache"),
                                  "GOPATH=" + path("go-path"),
                                  "GOPROXY=off",
                                  "GOFLAGS=",
                                  "PPROF_TMPDIR=" + path("go-home"),
                                  "go",
                                  "tool",
                                  "pprof"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back(path(file));
    CommandResult r = run_command(argv, 60s);
    EXPECT_EQ(r.exit_code, 0) << file << ": " << r.err;
    return r.out;
  }

  static std::map<std::string, std::uint64_t> folded() {
    return parse_folded(read_file(path("julia.folded")));
  }

  static std::string* dir_;
};

std::string* PprofJulia::dir_ = nullptr;

// The flat% `go tool pprof -top` gives `function`; -1 if it is not listed.
double top_flat_percent(const std::string& top, const std::string& function) {
  const std::regex row(R"(^\s*[0-9.]+\S*\s+([0-9.]+)%\s+[0-9.]+%\s+[0-9.]+\S*\s+[0-9.]+%\s+(.+)$)");
  std::istringstream in(top);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_match(line, m, row) && m[2] == function) return std::stod(m[1]);
  }
  return -1;
}

TEST_F(PprofJulia, SampleTotalsEqualTheFoldedOutput) {
  const std::uint64_t expected = total_samples(folded());
  ASSERT_GE(expected, 200u);  // ~2,000 at 1 kHz for 2 s on an idle machine
  EXPECT_EQ(pprof_raw_sample_total(pprof({"-raw"}, "julia.pb.gz")), expected);
  // The live recording took the same samples.
  EXPECT_EQ(pprof_raw_sample_total(pprof({"-raw"}, "live.pb.gz")), expected);
  const std::string top = pprof({"-top", "-sample_index=samples"}, "julia.pb.gz");
  EXPECT_NE(top.find("of " + std::to_string(expected) + " total"), std::string::npos) << top;
}

TEST_F(PprofJulia, HotFunctionShareMatchesTheFoldedOutput) {
  const auto stacks = folded();
  std::uint64_t self = 0;
  const std::string tail = std::string(";") + kHot;
  for (const auto& [stack, count] : stacks) {
    if (stack.size() > tail.size() && stack.ends_with(tail)) self += count;
  }
  const double folded_share =
      100.0 * static_cast<double>(self) / static_cast<double>(total_samples(stacks));
  for (const char* file : {"julia.pb.gz", "live.pb.gz"}) {
    const std::string top = pprof({"-top", "-sample_index=samples"}, file);
    const double share = top_flat_percent(top, kHot);
    ASSERT_GE(share, 0) << file << ":\n" << top;
    EXPECT_NEAR(share, folded_share, 0.5) << file << ":\n" << top;
    EXPECT_GE(share, 50.0) << file << ":\n" << top;  // it is the hot function
  }
}

TEST_F(PprofJulia, InlinedFramesAreKept) {
  const std::string traces = pprof({"-traces"}, "julia.pb.gz");
  EXPECT_NE(traces.find(" (inline)"), std::string::npos) << traces;
  EXPECT_NE(traces.find(kHot), std::string::npos);
  // In -raw, a Location's inlined callers follow it on lines of their own.
  const std::string raw = pprof({"-raw"}, "julia.pb.gz");
  static const std::regex continued(R"(\n +[^ 0-9\n][^\n]* s=0)");
  EXPECT_TRUE(std::regex_search(raw, continued)) << raw;
}

TEST_F(PprofJulia, JuliaMappingHasTheBinarysBuildId) {
  CSPY_REQUIRE_TOOL(have_program("readelf"), "readelf is not installed (Debian: binutils)");
  CommandResult notes = run_command({"readelf", "-n", target_binary("julia")});
  ASSERT_EQ(notes.exit_code, 0) << notes.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(notes.out, m, std::regex("Build ID: ([0-9a-f]+)"))) << notes.out;
  const std::string build_id = m[1];
  for (const char* file : {"julia.pb.gz", "live.pb.gz"}) {
    const std::string raw = pprof({"-raw"}, file);
    // "1: 0xSTART/0xLIMIT/0xOFFSET /path/to/julia BUILDID [FN]..."
    const std::regex mapping(R"(\n[0-9]+: 0x[0-9a-f]+/0x[0-9a-f]+/0x[0-9a-f]+ (\S+) (\S+) )");
    bool found = false;
    for (std::sregex_iterator it(raw.begin(), raw.end(), mapping), end; it != end; ++it) {
      if ((*it)[1] != target_binary("julia")) continue;
      found = true;
      EXPECT_EQ((*it)[2], build_id) << file;
    }
    EXPECT_TRUE(found) << file << ": no mapping of " << target_binary("julia") << "\n" << raw;
    // The main binary comes first: pprof names it in its header.
    EXPECT_NE(pprof({"-top"}, file).find("Build ID: " + build_id), std::string::npos) << file;
  }
}

}  // namespace
}  // namespace cspy::test
