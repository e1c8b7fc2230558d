// chain: `ready` in every mode and thread count, the process state each mode leaves it in,
// a clean exit with --seconds, and (with gdb) the exact stack main/thread_main -> outer ->
// middle -> leaf [-> inlined_work] with the lines of chain.cpp's `// LINE:` markers.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "test_support.h"

namespace cspy::test {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kReadyTimeout(10'000);

// The one-letter states (R, S, T, ...) of every thread of `pid`.
std::vector<char> thread_states(pid_t pid) {
  std::vector<char> states;
  for (pid_t tid : thread_ids(pid)) {
    if (const char state = process_state(tid); state != '\0') states.push_back(state);
  }
  return states;
}

using ModeThreads = std::tuple<std::string, int>;

class ChainMode : public ::testing::TestWithParam<ModeThreads> {};

TEST_P(ChainMode, PrintsReadyAndStaysInLeafUntilKilled) {
  const auto& [mode, threads] = GetParam();
  ChildProcess chain({target_binary("chain"), "--mode", mode, "--threads", std::to_string(threads)},
                     Stderr::kMerge);
  ASSERT_TRUE(chain.started());
  ASSERT_EQ(chain.read_line(kReadyTimeout), "ready");
  std::this_thread::sleep_for(milliseconds(200));
  ASSERT_TRUE(chain.running());
  // With several threads, main waits in pthread_join besides them. Sleepers wake briefly
  // every 20 ms, so look a few times for the expected picture.
  const std::size_t expected_threads = threads == 1 ? 1 : threads + 1;
  const long expected_running = mode == "spin" ? threads : 0;
  std::vector<char> states;
  for (int attempt = 0; attempt < 20; ++attempt) {
    states = thread_states(chain.pid());
    ASSERT_EQ(states.size(), expected_threads);
    if (std::count(states.begin(), states.end(), 'R') == expected_running) break;
    std::this_thread::sleep_for(milliseconds(7));
  }
  EXPECT_EQ(std::count(states.begin(), states.end(), 'R'), expected_running)
      << std::string(states.begin(), states.end());
  EXPECT_EQ(chain.kill_and_reap(), 128 + SIGKILL);
}

TEST_P(ChainMode, ExitsAfterSeconds) {
  const auto& [mode, threads] = GetParam();
  const CommandResult result = run_command({target_binary("chain"), "--mode", mode, "--threads",
                                            std::to_string(threads), "--seconds", "0.3"},
                                           milliseconds(20'000), Stderr::kMerge);
  ASSERT_FALSE(result.timed_out);
  EXPECT_EQ(result.exit_code, 0) << result.out;
  EXPECT_EQ(result.out.rfind("ready\ndone ", 0), 0u) << result.out;
}

INSTANTIATE_TEST_SUITE_P(Modes, ChainMode,
                         ::testing::Combine(::testing::Values("spin", "sleep", "read"),
                                            ::testing::Values(1, 3)),
                         [](const auto& test_info) {
                           return std::get<0>(test_info.param) + "_" +
                                  std::to_string(std::get<1>(test_info.param)) + "_threads";
                         });

struct Frame {
  std::string function;
  std::string file;
  int line = 0;
};

// The frames of each thread in gdb's `thread apply all bt` output.
std::vector<std::vector<Frame>> parse_backtraces(const std::string& output) {
  static const std::regex frame_re(
      R"(^#\d+\s+(?:0x[0-9a-f]+ in )?([^\s(]+).*?(?: at (\S+):(\d+))?$)");
  std::vector<std::vector<Frame>> threads;
  std::istringstream in(output);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Thread ", 0) == 0) threads.emplace_back();
    std::smatch match;
    if (threads.empty() || !std::regex_match(line, match, frame_re)) continue;
    threads.back().push_back(
        Frame{match[1].str(), match[2].str(), match[3].matched ? std::stoi(match[3].str()) : 0});
  }
  return threads;
}

struct ExpectedFrame {
  const char* function;
  const char* marker;  // nullptr: any line of chain.cpp
};

// Checks that `frames` hold `expected` consecutively, innermost first, at the marked lines.
void expect_chain(const std::vector<Frame>& frames, const std::vector<ExpectedFrame>& expected) {
  std::size_t first = 0;
  while (first < frames.size() && frames[first].function != expected[0].function) ++first;
  ASSERT_LE(first + expected.size(), frames.size()) << "no " << expected[0].function << " frame";
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const Frame& frame = frames[first + i];
    EXPECT_EQ(frame.function, expected[i].function) << "frame " << first + i;
    EXPECT_TRUE(frame.file.ends_with("chain.cpp")) << frame.function << " in " << frame.file;
    if (expected[i].marker != nullptr) {
      EXPECT_EQ(frame.line, marker_line("chain.cpp", expected[i].marker)) << frame.function;
    }
  }
}

struct GdbCase {
  const char* binary;
  const char* mode;
  int threads;
};

void PrintTo(const GdbCase& c, std::ostream* out) {
  *out << c.binary << " --mode " << c.mode << " --threads " << c.threads;
}

class ChainUnderGdb : public ::testing::TestWithParam<GdbCase> {};

TEST_P(ChainUnderGdb, BacktraceShowsTheKnownChain) {
  CSPY_REQUIRE_TOOL(have_program(kGdb), "gdb not found");
  const GdbCase& c = GetParam();
  ChildProcess chain(
      {target_binary(c.binary), "--mode", c.mode, "--threads", std::to_string(c.threads)},
      Stderr::kMerge);
  ASSERT_TRUE(chain.started());
  ASSERT_EQ(chain.read_line(kReadyTimeout), "ready");
  const CommandResult gdb =
      run_command({kGdb, "-batch", "-nx", "-iex", "set debuginfod enabled off", "-p",
                   std::to_string(chain.pid()), "-ex", "thread apply all bt"},
                  milliseconds(60'000), Stderr::kMerge);
  ASSERT_FALSE(gdb.timed_out);
  ASSERT_EQ(gdb.exit_code, 0) << gdb.out;
  EXPECT_TRUE(chain.running()) << "gdb must leave chain running";

  const std::string mode = c.mode;
  const char* leaf_marker = mode == "spin"    ? "leaf-call-inlined-work"
                            : mode == "sleep" ? "leaf-sleep"
                                              : "leaf-read";
  std::vector<ExpectedFrame> expected;
  if (mode == "spin") expected.push_back({"inlined_work", nullptr});
  expected.push_back({"leaf", leaf_marker});
  expected.push_back({"middle", "middle-call-leaf"});
  expected.push_back({"outer", "outer-call-middle"});
  expected.push_back(c.threads == 1 ? ExpectedFrame{"main", "main-call-outer"}
                                    : ExpectedFrame{"thread_main", "thread-main-call-outer"});

  const auto threads = parse_backtraces(gdb.out);
  ASSERT_EQ(threads.size(), static_cast<std::size_t>(c.threads == 1 ? 1 : c.threads + 1))
      << gdb.out;
  int chains = 0;
  for (const auto& frames : threads) {
    const bool in_leaf = std::any_of(frames.begin(), frames.end(),
                                     [](const Frame& f) { return f.function == "leaf"; });
    if (!in_leaf) continue;  // main, waiting in pthread_join
    ++chains;
    expect_chain(frames, expected);
  }
  EXPECT_EQ(chains, c.threads) << gdb.out;
  if (HasFailure()) ADD_FAILURE() << gdb.out;
  EXPECT_EQ(chain.kill_and_reap(), 128 + SIGKILL);
}

INSTANTIATE_TEST_SUITE_P(
    Variants, ChainUnderGdb,
    ::testing::Values(GdbCase{"chain", "spin", 1}, GdbCase{"chain-fp", "spin", 1},
                      GdbCase{"chain-nopie", "spin", 1}, GdbCase{"chain-stripped", "spin", 1},
                      GdbCase{"chain", "sleep", 3}, GdbCase{"chain", "read", 1},
                      GdbCase{"chain", "spin", 2}),
    [](const auto& test_info) {
      std::string name = std::string(test_info.param.binary) + "_" + test_info.param.mode + "_" +
                         std::to_string(test_info.param.threads);
      for (char& ch : name) ch = (ch == '-') ? '_' : ch;
      return name;
    });

TEST(ChainSource, EveryMarkerIsPresentOnce) {
  for (const char* name :
       {"main-call-outer", "thread-main-call-outer", "outer-call-middle", "middle-call-leaf",
        "leaf-call-inlined-work", "inlined-work-spin", "leaf-sleep", "leaf-read"}) {
    EXPECT_GT(marker_line("chain.cpp", name), 0) << name;
  }
}

}  // namespace
}  // namespace cspy::test
