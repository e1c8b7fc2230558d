// cspy_test_support's process helpers on plain shell commands: exit codes and signals,
// stderr kept apart or merged, timeouts, programs that cannot run, output left by a
// grandchild, and the destructor that leaves nothing running or stopped behind.
#include "support/child_process.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

namespace cspy::test {
namespace {

using namespace std::chrono_literals;

TEST(RunCommand, ExitCodeAndSeparateStreams) {
  CommandResult r = run_command({"sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
}

TEST(RunCommand, MergedAndDiscardedStderr) {
  CommandResult merged =
      run_command({"sh", "-c", "echo a; echo b >&2; echo c"}, kCommandTimeout, Stderr::kMerge);
  EXPECT_EQ(merged.out, "a\nb\nc\n");
  EXPECT_EQ(merged.err, "");
  CommandResult discarded =
      run_command({"sh", "-c", "echo a; echo b >&2"}, kCommandTimeout, Stderr::kDiscard);
  EXPECT_EQ(discarded.out, "a\n");
  EXPECT_EQ(discarded.err, "");
}

TEST(RunCommand, SignalIs128PlusItsNumber) {
  EXPECT_EQ(run_command({"sh", "-c", "kill -TERM $$"}).exit_code, 128 + SIGTERM);
}

TEST(RunCommand, TimeoutKillsAndKeepsWhatWasWritten) {
  const auto start = std::chrono::steady_clock::now();
  CommandResult r = run_command({"sh", "-c", "echo started; exec sleep 30"}, 300ms);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.exit_code, 128 + SIGKILL);
  EXPECT_EQ(r.out, "started\n");
}

TEST(RunCommand, ProgramThatCannotRun) {
  CommandResult r = run_command({"/nonexistent/program"});
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_NE(r.err.find("cannot run '/nonexistent/program'"), std::string::npos) << r.err;
}

TEST(RunCommand, LargeStderrDoesNotBlock) {
  CommandResult r = run_command(
      {"sh", "-c",
       "i=0; while [ $i -lt 3000 ]; do echo 0123456789012345678901234567890123456789 >&2;"
       " i=$((i+1)); done; echo done"},
      20s);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.out, "done\n");
  EXPECT_EQ(r.err.size(), 3000u * 41);
}

TEST(RunCommand, EndsWhenTheProgramExitsEvenIfAGrandchildHoldsItsOutput) {
  const auto start = std::chrono::steady_clock::now();
  CommandResult r = run_command({"sh", "-c", "sleep 30 & echo $!"}, 20s);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  EXPECT_EQ(r.exit_code, 0);
  const pid_t grandchild = static_cast<pid_t>(std::atoi(r.out.c_str()));
  ASSERT_GT(grandchild, 0) << r.out;
  EXPECT_EQ(::kill(grandchild, SIGKILL), 0);
}

TEST(ChildProcess, ReadsLinesAndWaitsForOutput) {
  ChildProcess child({"sh", "-c", "echo one; echo two; echo three; printf tail"});
  ASSERT_TRUE(child.started());
  EXPECT_EQ(child.read_line(10s), "one");
  EXPECT_TRUE(child.wait_for_output("hre", 10s));
  EXPECT_EQ(child.read_line(10s), "tail");  // the unterminated last line
  EXPECT_EQ(child.read_line(10s), std::nullopt);
  EXPECT_EQ(child.wait(10s), 0);
  EXPECT_FALSE(child.running());
  EXPECT_EQ(child.wait(0ms), 0);  // reaped: the same code again
}

TEST(ChildProcess, WaitTimesOutThenKillAndReap) {
  ChildProcess child({"sleep", "30"});
  ASSERT_TRUE(child.started());
  EXPECT_TRUE(child.running());
  EXPECT_EQ(child.wait(100ms), std::nullopt);
  EXPECT_FALSE(child.wait_for_output("never", 100ms));
  EXPECT_EQ(child.kill_and_reap(), 128 + SIGKILL);
  EXPECT_FALSE(child.running());
  EXPECT_EQ(child.kill_and_reap(), 128 + SIGKILL);
}

TEST(ChildProcess, DestructorKillsAStoppedChild) {
  pid_t pid = -1;
  {
    ChildProcess child({"sleep", "30"});
    pid = child.pid();
    ASSERT_EQ(::kill(pid, SIGSTOP), 0);
    for (int i = 0; i < 100 && !process_is_stopped(pid); ++i) std::this_thread::sleep_for(10ms);
    EXPECT_TRUE(process_is_stopped(pid));
    ChildProcess moved = std::move(child);
    EXPECT_EQ(moved.pid(), pid);
    EXPECT_EQ(child.pid(), -1);  // NOLINT(bugprone-use-after-move): moved-from is empty
  }
  EXPECT_EQ(process_state(pid), '\0');  // reaped: /proc has no such process
}

TEST(ChildProcess, NotStarted) {
  ChildProcess child({"/nonexistent/program"}, Stderr::kMerge);
  EXPECT_FALSE(child.started());
  EXPECT_FALSE(child.running());
  EXPECT_EQ(child.wait(0ms), std::nullopt);
  EXPECT_EQ(child.kill_and_reap(), -1);
  EXPECT_NE(child.take_output().find("No such file"), std::string::npos);
}

TEST(Programs, FoundInPathOrByPath) {
  EXPECT_NE(find_program("sh"), "");
  EXPECT_EQ(find_program("/bin/sh"), "/bin/sh");
  EXPECT_EQ(find_program("no-such-program-for-cspy"), "");
  EXPECT_EQ(find_program(""), "");
  EXPECT_FALSE(have_program("/nonexistent/program"));
}

TEST(ProcessState, ThreadsOfThisProcess) {
  EXPECT_EQ(process_state(::getpid()), 'R');
  EXPECT_TRUE(thread_ids(::getpid()).count(::getpid()));
  EXPECT_TRUE(thread_ids(-5).empty());
}

}  // namespace
}  // namespace cspy::test
