// `cspy record -- program`: a program still running when the recording ends (--duration,
// SIGTERM to cspy) is stopped (SIGINT, SIGTERM, SIGKILL) and reaped, and does not make cspy
// fail, and so are the processes it started in its process group; --keep-running leaves it
// running and untraced. With `-o -` the program's stdout goes to stderr; the default output
// is named after the program; an idle one that gave no sample gets a hint to use --idle.
// Each program prints its PID first (`sh -c 'echo pid $$; exec ...'`), so the test can check
// on it and kill it if cspy did not.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "support/child_process.h"
#include "support/test_files.h"

namespace cspy::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Makes this test process the subreaper of what its children leave behind, so that a
// program cspy left running is reparented here; at the end, kills (SIGKILL, SIGCONT) and
// reaps the programs it was told of, whoever their parent is by then.
class ProgramGuard {
 public:
  ProgramGuard() { ::prctl(PR_SET_CHILD_SUBREAPER, 1); }
  ProgramGuard(const ProgramGuard&) = delete;
  ProgramGuard& operator=(const ProgramGuard&) = delete;
  ~ProgramGuard() {
    for (pid_t pid : pids_) {
      if (::kill(pid, SIGKILL) == 0) ::kill(pid, SIGCONT);
      ::waitpid(pid, nullptr, 0);  // ours once cspy has exited; ECHILD if cspy reaped it
    }
    ::prctl(PR_SET_CHILD_SUBREAPER, 0);
  }
  void watch(pid_t pid) { pids_.push_back(pid); }

 private:
  std::vector<pid_t> pids_;
};

// "sh -c 'echo pid $$; <script>'": the shell prints its PID, which the program it execs keeps.
std::vector<std::string> pid_first(const std::string& script) {
  return {"/bin/sh", "-c", "echo pid $$; " + script};
}

// Reads the "pid N" line the program prints first; -1 if none comes.
pid_t read_program_pid(ChildProcess& cspy) {
  while (std::optional<std::string> line = cspy.read_line(20s)) {
    if (line->rfind("pid ", 0) == 0) return static_cast<pid_t>(std::stol(line->substr(4)));
  }
  return -1;
}

// True when `pid` has ended within `timeout`: reaped, or a zombie (one orphaned by cspy's
// program comes to the ProgramGuard, which reaps it at the end).
bool gone_within(pid_t pid, std::chrono::milliseconds timeout) {
  for (auto deadline = Clock::now() + timeout; Clock::now() < deadline;
       std::this_thread::sleep_for(10ms)) {
    if ((::kill(pid, 0) != 0 && errno == ESRCH) || process_state(pid) == 'Z') return true;
  }
  return false;
}

std::vector<std::string> record(const std::vector<std::string>& options,
                                const std::vector<std::string>& program) {
  std::vector<std::string> argv{cspy_binary(), "record"};
  argv.insert(argv.end(), options.begin(), options.end());
  argv.emplace_back("--");
  argv.insert(argv.end(), program.begin(), program.end());
  return argv;
}

TEST(RecordLaunch, DurationStopsTheProgramWithSigint) {
  for (const char* sampler : {"perf_event", "ptrace"}) {
    ProgramGuard guard;
    const std::string out = make_temp_dir() + "/out.folded";
    ChildProcess cspy(record({"-d", "1", "-o", out, "--sampler", sampler},
                             pid_first("exec " + target_binary("chain") + " --mode spin")));
    const pid_t program = read_program_pid(cspy);
    ASSERT_GT(program, 0) << sampler << ": " << cspy.error_output();
    guard.watch(program);
    std::optional<int> code = cspy.wait(30s);
    ASSERT_TRUE(code.has_value()) << sampler;
    EXPECT_EQ(*code, 0) << sampler << ": " << cspy.error_output();
    EXPECT_TRUE(gone_within(program, 1s)) << sampler << ": the program was left running";
    EXPECT_NE(cspy.error_output().find("stopped the program with SIGINT"), std::string::npos)
        << sampler << ": " << cspy.error_output();
    EXPECT_GT(parse_folded(read_file(out)).size(), 0u) << sampler;
  }
}

TEST(RecordLaunch, ProgramThatHandlesSigintEndsItsOwnWay) {
  ProgramGuard guard;
  const std::string out = make_temp_dir() + "/out.folded";
  ChildProcess cspy(record({"-d", "0.5", "-o", out},
                           pid_first("trap 'echo cleaned-up; exit 0' INT; while :; do :; done")));
  const pid_t program = read_program_pid(cspy);
  ASSERT_GT(program, 0) << cspy.error_output();
  guard.watch(program);
  EXPECT_TRUE(cspy.wait_for_output("cleaned-up", 20s)) << cspy.error_output();
  std::optional<int> code = cspy.wait(20s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << cspy.error_output();
  EXPECT_TRUE(gone_within(program, 1s));
}

TEST(RecordLaunch, ProgramIgnoringSigintAndSigtermGetsSigkill) {
  ProgramGuard guard;
  const std::string out = make_temp_dir() + "/out.folded";
  // Ignored signals stay ignored across exec: chain ignores both.
  ChildProcess cspy(
      record({"-d", "0.3", "-o", out},
             pid_first("trap '' INT TERM; exec " + target_binary("chain") + " --mode spin")));
  const pid_t program = read_program_pid(cspy);
  ASSERT_GT(program, 0) << cspy.error_output();
  guard.watch(program);
  const auto start = Clock::now();
  std::optional<int> code = cspy.wait(30s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << cspy.error_output();
  EXPECT_GE(Clock::now() - start, 1500ms) << "a second after SIGINT, a second after SIGTERM";
  EXPECT_TRUE(gone_within(program, 1s));
  EXPECT_NE(cspy.error_output().find("stopped the program with SIGKILL"), std::string::npos)
      << cspy.error_output();
}

TEST(RecordLaunch, SigtermToCspyStopsTheProgram) {
  ProgramGuard guard;
  const std::string out = make_temp_dir() + "/out.folded";
  ChildProcess cspy(
      record({"-o", out}, pid_first("exec " + target_binary("chain") + " --mode spin")));
  const pid_t program = read_program_pid(cspy);
  ASSERT_GT(program, 0) << cspy.error_output();
  guard.watch(program);
  ASSERT_TRUE(cspy.wait_for_output("ready", 20s));
  std::this_thread::sleep_for(300ms);
  ::kill(cspy.pid(), SIGTERM);  // to cspy alone, not to its process group
  std::optional<int> code = cspy.wait(30s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << cspy.error_output();
  EXPECT_TRUE(gone_within(program, 1s));
  EXPECT_GT(parse_folded(read_file(out)).size(), 0u);
}

TEST(RecordLaunch, KeepRunningLeavesTheProgramRunningUntraced) {
  for (const char* sampler : {"perf_event", "ptrace"}) {
    ProgramGuard guard;
    const std::string out = make_temp_dir() + "/out.folded";
    ChildProcess cspy(record({"-d", "0.5", "--keep-running", "-o", out, "--sampler", sampler},
                             pid_first("exec " + target_binary("chain") + " --mode spin")));
    const pid_t program = read_program_pid(cspy);
    ASSERT_GT(program, 0) << sampler << ": " << cspy.error_output();
    guard.watch(program);
    std::optional<int> code = cspy.wait(30s);
    ASSERT_TRUE(code.has_value()) << sampler;
    EXPECT_EQ(*code, 0) << sampler << ": " << cspy.error_output();
    EXPECT_NE(cspy.error_output().find("runs on"), std::string::npos) << cspy.error_output();
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(::kill(program, 0), 0) << sampler << ": the program was stopped";
    EXPECT_FALSE(process_is_stopped(program)) << sampler;
    EXPECT_EQ(tracer_of(program, program), 0) << sampler;
    EXPECT_GT(parse_folded(read_file(out)).size(), 0u) << sampler;
  }
}

TEST(RecordLaunch, KeepRunningNeedsAProgram) {
  CommandResult r = run_command({cspy_binary(), "record", "--keep-running", "--pid", "1"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
}

TEST(RecordLaunch, ExitStatusOfAProgramEndingBeforeTheDurationIsPassedOn) {
  const std::string out = make_temp_dir() + "/out.folded";
  CommandResult r = run_command(record({"-d", "30", "-o", out}, {"/bin/sh", "-c", "exit 3"}));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(r.err.find("stopped the program"), std::string::npos) << r.err;
}

TEST(RecordLaunch, ProgramOutputStaysOutOfAProfileOnStdout) {
  CommandResult r = run_command(
      record({"-o", "-", "-f", "folded", "-q"},
             {"/bin/sh", "-c",
              "echo from-the-program; exec " + target_binary("chain") + " --seconds 0.5"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("from-the-program"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("ready"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("from-the-program"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("ready"), std::string::npos) << r.err;
  // Every line of stdout is a folded stack.
  const auto stacks = parse_folded(r.out);
  EXPECT_GT(stacks.size(), 0u);
  std::uint64_t lines = std::count(r.out.begin(), r.out.end(), '\n');
  EXPECT_EQ(lines, stacks.size()) << r.out;
}

TEST(RecordLaunch, DefaultOutputIsNamedAfterTheProgram) {
  const std::string dir = make_temp_dir();
  // In `dir`: cspy record -q -- chain --seconds 0.3
  CommandResult r =
      run_command({"/bin/sh", "-c", "cd \"$0\" && exec \"$1\" record -q -- \"$2\" --seconds 0.3",
                   dir, cspy_binary(), target_binary("chain")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  ASSERT_EQ(names.size(), 1u);
  EXPECT_TRUE(std::regex_match(names[0], std::regex(R"(cspy-chain-[0-9]+\.svg)"))) << names[0];
}

TEST(RecordLaunch, PySpyAndPerfFlagsAreAccepted) {
  // -F 1000 (perf's --rate), -f raw (py-spy's folded), and py-spy's no-op options.
  CommandResult r = run_command(record(
      {"-F", "1000", "-f", "raw", "-o", "-", "-q", "--nonblocking", "--native", "--nolineno"},
      {target_binary("chain"), "--seconds", "0.5"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto stacks = parse_folded(r.out);
  std::uint64_t samples = 0;
  for (const auto& [stack, count] : stacks) samples += count;
  EXPECT_GT(samples, 150u) << "at most ~50 at the default 100 Hz";
  EXPECT_NE(r.err.find("cspy: --nonblocking: nothing to do, the perf_event sampler never stops"),
            std::string::npos)
      << r.err;
}

TEST(RecordLaunch, IdleProgramGetsTheIdleHint) {
  ProgramGuard guard;
  const std::string out = make_temp_dir() + "/out.folded";
  // At 5 Hz: starting sh and sleep takes far less CPU than the 200 ms between samples.
  ChildProcess cspy(record({"-d", "1", "-r", "5", "-o", out}, pid_first("exec sleep 30")));
  const pid_t program = read_program_pid(cspy);
  ASSERT_GT(program, 0) << cspy.error_output();
  guard.watch(program);
  std::optional<int> code = cspy.wait(30s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << cspy.error_output();
  const std::string& err = cspy.error_output();
  EXPECT_NE(err.find("0 samples in"), std::string::npos) << err;
  EXPECT_NE(err.find("per thread, 1 thread)"), std::string::npos) << err;
  EXPECT_NE(err.find("cspy: hint: no samples"), std::string::npos) << err;
  EXPECT_NE(err.find("add --idle"), std::string::npos) << err;
}

TEST(RecordLaunch, ProcessesTheProgramStartedAreStoppedToo) {
  ProgramGuard guard;
  const std::string out = make_temp_dir() + "/out.folded";
  // As `sh -c 'xz ...'`: the shell waits for a child, which does the work. The background
  // sleep ignores SIGINT and outlives the shell: SIGTERM a second later ends it. At 5 Hz,
  // so that starting them gives no sample and the hint below comes.
  ChildProcess cspy(record({"-d", "1", "-r", "5", "-o", out},
                           pid_first("sleep 300 & echo pid $!; sleep 300; true")));
  const pid_t shell = read_program_pid(cspy);
  ASSERT_GT(shell, 0) << cspy.error_output();
  guard.watch(shell);
  const pid_t background = read_program_pid(cspy);
  ASSERT_GT(background, 0) << cspy.error_output();
  guard.watch(background);
  std::optional<int> code = cspy.wait(30s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << cspy.error_output();
  EXPECT_TRUE(gone_within(shell, 1s));
  EXPECT_TRUE(gone_within(background, 1s)) << "left running: " << cspy.error_output();
  // The shell only waited: the hint says its children are not sampled.
  EXPECT_NE(cspy.error_output().find("child processes, which cspy does not sample"),
            std::string::npos)
      << cspy.error_output();
}

}  // namespace
}  // namespace cspy::test
