// cspy killed or stopped at random moments (issue 14). SIGKILL at start-up, while
// sampling and while writing, with each sampler: the target (julia, which checks its own
// sum) always finishes with the right answer, is never left stopped (T/t) and is traced
// by nobody afterwards. SIGINT/SIGTERM/SIGHUP at random moments: the output is complete
// and valid (folded: its counts add up to the samples cspy reports), or absent with a
// message (or, for a signal before cspy's handlers exist, absent: the signal's status);
// never half a file. SIGPIPE (a reader of cspy's stderr went away) at random moments, and a
// stderr pipe with no reader: the recording goes on and is written.
// CSPY_RELIABILITY_LONG=1 runs 100 kills per sampler.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <random>
#include <regex>
#include <thread>

#include "reliability_support.h"
#include "support/child_process.h"
#include "support/test_files.h"

namespace cspy::test {
namespace {

using namespace std::chrono_literals;

bool long_run() {
  const char* v = std::getenv("CSPY_RELIABILITY_LONG");
  return v != nullptr && std::string(v) == "1";
}

std::mt19937& rng() {
  static std::mt19937 gen(std::random_device{}());
  return gen;
}
std::chrono::milliseconds random_ms(int lo, int hi) {
  return std::chrono::milliseconds(std::uniform_int_distribution<int>(lo, hi)(rng()));
}

// Every thread of `pid`: not stopped, no tracer. "" when so.
std::string stopped_or_traced(pid_t pid) {
  for (pid_t tid : thread_ids(pid)) {
    if (process_is_stopped(tid)) return "thread " + std::to_string(tid) + " is stopped";
    const pid_t tracer = tracer_of(pid, tid);
    if (tracer > 0) return "thread " + std::to_string(tid) + " traced by " + std::to_string(tracer);
  }
  return "";
}

class Kills : public ::testing::TestWithParam<std::string> {};

TEST_P(Kills, SigkillNeverHarmsTheTarget) {
  const std::string sampler = GetParam();
  const int rounds = long_run() ? 100 : 5;
  for (int round = 0; round < rounds; ++round) {
    ChildProcess julia({target_binary("julia"), "--threads", "2", "--seconds", "1.5"});
    std::this_thread::sleep_for(random_ms(0, 100));
    const std::string duration = std::to_string(random_ms(200, 900).count() / 1000.0);
    ChildProcess cspy({cspy_binary(), "record", "--pid", std::to_string(julia.pid()), "-d",
                       duration, "-r", "1000", "-q", "--sampler", sampler, "-o",
                       make_temp_dir() + "/out.svg"});
    const auto delay = random_ms(0, 1000);  // start-up, sampling, or writing the output
    std::this_thread::sleep_for(delay);
    cspy.kill_and_reap();
    std::this_thread::sleep_for(20ms);
    SCOPED_TRACE("round " + std::to_string(round) + ", killed after " +
                 std::to_string(delay.count()) + " ms of -d " + duration);
    EXPECT_EQ(stopped_or_traced(julia.pid()), "");
    std::optional<int> code = julia.wait(60s);
    ASSERT_TRUE(code.has_value()) << "julia did not finish";
    EXPECT_EQ(*code, 0) << julia.error_output();
    EXPECT_NE(julia.take_output().find("sum 33219980"), std::string::npos);
  }
}

INSTANTIATE_TEST_SUITE_P(Samplers, Kills, ::testing::Values("perf_event", "ptrace"));

class StopSignals : public ::testing::TestWithParam<std::string> {};

TEST_P(StopSignals, OutputIsCompleteOrAbsentWithAMessage) {
  const std::string sampler = GetParam();
  const int rounds = long_run() ? 60 : 8;
  // SIGPIPE does not stop cspy (a reader of its stderr went away): the run goes on.
  const int signals[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
  const char* formats[] = {"svg", "json", "folded"};
  ChildProcess chain({target_binary("chain"), "--threads", "2", "--mode", "spin"});
  ASSERT_TRUE(chain.wait_for_output("ready", 10s));
  for (int round = 0; round < rounds; ++round) {
    const std::string dir = make_temp_dir();
    const std::string out = dir + "/out." + formats[round % 3];
    const int signal = signals[round % 4];
    ChildProcess cspy({cspy_binary(), "record", "--pid", std::to_string(chain.pid()), "-d", "0.6",
                       "-r", "500", "--sampler", sampler, "-o", out});
    const auto delay = random_ms(0, 800);
    std::this_thread::sleep_for(delay);
    ::kill(cspy.pid(), signal);
    SCOPED_TRACE("round " + std::to_string(round) + ", signal " + std::to_string(signal) +
                 " after " + std::to_string(delay.count()) + " ms, " + out);
    std::optional<int> code = cspy.wait(30s);
    ASSERT_TRUE(code.has_value()) << "cspy did not stop";
    const std::string err = cspy.error_output();
    EXPECT_LE(files_in(dir), 1u) << "a temporary file was left";
    if (std::filesystem::exists(out)) {
      EXPECT_EQ(*code, 0) << err;
      EXPECT_EQ(output_problem(out), "");
      std::smatch m;
      static const std::regex wrote(R"(wrote \S+ \((\d+) samples\))");
      if (out.ends_with(".folded") && std::regex_search(err, m, wrote)) {
        std::uint64_t total = 0;
        for (const auto& [stack, count] : parse_folded(read_file(out))) total += count;
        EXPECT_EQ(total, std::stoull(m[1].str())) << err;
      }
    } else if (*code != 128 + signal) {
      EXPECT_FALSE(err.empty()) << "no output and no message";
      EXPECT_NE(signal, SIGPIPE) << "SIGPIPE ended the recording: " << err;
    }
    // Else the signal came before cspy set its handlers (its first ~25 ms: exec and the
    // dynamic linker), and ended it as it ends any program: nothing written, as checked.
    EXPECT_EQ(stopped_or_traced(chain.pid()), "");
    EXPECT_TRUE(chain.running());
  }
}

INSTANTIATE_TEST_SUITE_P(Samplers, StopSignals, ::testing::Values("perf_event", "ptrace"));

// cspy's stderr is a pipe whose reader is gone (`2>&1 | true`): its messages are lost, its
// recording is not. Before cspy caught SIGPIPE, its closing line killed it unwritten.
TEST(BrokenPipe, ClosedStderrPipeDoesNotLoseTheRecording) {
  ChildProcess chain({target_binary("chain"), "--mode", "spin"});
  ASSERT_TRUE(chain.wait_for_output("ready", 10s));
  const std::string out = make_temp_dir() + "/out.folded";
  const std::string command = "exec 2>&1; " + cspy_binary() + " record --pid " +
                              std::to_string(chain.pid()) + " -d 0.5 -r 200 -o " + out + " | true";
  CommandResult r = run_command({"sh", "-c", command}, 30s);
  ASSERT_FALSE(r.timed_out);
  ASSERT_TRUE(std::filesystem::exists(out)) << "exit " << r.exit_code << ": " << r.out << r.err;
  std::uint64_t total = 0;
  for (const auto& [stack, count] : parse_folded(read_file(out))) total += count;
  EXPECT_GT(total, 0u);
  EXPECT_EQ(output_problem(out), "");
  EXPECT_EQ(stopped_or_traced(chain.pid()), "");
}

}  // namespace
}  // namespace cspy::test
