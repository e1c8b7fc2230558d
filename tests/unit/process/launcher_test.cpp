// LaunchedProcess: the child is held before exec until release(), its exit status is
// passed on, a program that cannot run gives an error, a held child does not outlive its
// owner, stop() ends it by SIGINT, SIGTERM or SIGKILL, its stdout can be cspy's stderr, and
// no launch leaks a file descriptor, not even one whose fork fails. stop() reaches the
// processes the child started in its group, not one that left it. Target names a launched
// program as exec will.
#include "cspy/process/launcher.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fcntl.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cspy/process/process_tree.h"
#include "cspy/process/target.h"
#include "support/child_process.h"
#include "support/test_files.h"

namespace cspy::process {
namespace {

using namespace std::chrono_literals;

// Every test checks at its end that the process has the same fds open as at its start.
class LauncherTest : public ::testing::Test {
 protected:
  void TearDown() override { EXPECT_EQ(test::open_fds(), fds_before_) << "an fd leaked"; }

 private:
  std::set<int> fds_before_ = test::open_fds();
};

// Kills and reaps a released child when the test ends, also after a failed assertion (the
// launcher itself only kills a child that was never released).
class ReapAtExit {
 public:
  explicit ReapAtExit(LaunchedProcess& child) : child_(child) {}
  ReapAtExit(const ReapAtExit&) = delete;
  ReapAtExit& operator=(const ReapAtExit&) = delete;
  ~ReapAtExit() {
    if (child_.reaped()) return;
    ::kill(child_.pid(), SIGKILL);
    child_.wait();
  }

 private:
  LaunchedProcess& child_;
};

// The executable of a live process, "" if there is none.
std::string exe_of(pid_t pid) {
  std::error_code ec;
  auto path = std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/exe", ec);
  return ec ? std::string() : path.string();
}

std::string canonical_program(const std::string& name) {
  return std::filesystem::canonical(test::find_program(name)).string();
}

// True when `pid` is no child of ours any more (it was reaped).
bool is_reaped(pid_t pid) { return ::waitpid(pid, nullptr, WNOHANG) < 0 && errno == ECHILD; }

TEST_F(LauncherTest, HoldsTheChildBeforeExecUntilRelease) {
  auto child = LaunchedProcess::spawn({"sleep", "30"});
  ASSERT_TRUE(child) << child.error().describe();
  ReapAtExit reap(*child);
  // Held: still a copy of this test program, blocked waiting for the go-ahead.
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(exe_of(child->pid()), exe_of(::getpid()));
  EXPECT_FALSE(child->try_wait().has_value());
  ASSERT_TRUE(child->release());
  // release() returns once exec has happened (the exec-error pipe closed on exec).
  EXPECT_EQ(exe_of(child->pid()), canonical_program("sleep"));
  EXPECT_FALSE(child->try_wait().has_value());
}

TEST_F(LauncherTest, PassesOnTheExitStatus) {
  auto child = LaunchedProcess::spawn({"sh", "-c", "exit 7"});
  ASSERT_TRUE(child) << child.error().describe();
  ReapAtExit reap(*child);
  ASSERT_TRUE(child->release());
  const int status = child->wait();
  EXPECT_TRUE(child->reaped());
  EXPECT_EQ(exit_code_of(status), 7);
  EXPECT_EQ(child->wait(), status);  // the same status again, not a second waitpid
  EXPECT_EQ(child->try_wait(), status);
}

TEST_F(LauncherTest, TryWaitReapsAChildKilledBySignal) {
  auto child = LaunchedProcess::spawn({"sleep", "30"});
  ASSERT_TRUE(child) << child.error().describe();
  ReapAtExit reap(*child);
  ASSERT_TRUE(child->release());
  ASSERT_EQ(::kill(child->pid(), SIGTERM), 0);
  std::optional<int> status;
  for (auto deadline = std::chrono::steady_clock::now() + 10s;
       !status && std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(10ms)) {
    status = child->try_wait();
  }
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(child->reaped());
  EXPECT_EQ(exit_code_of(*status), 128 + SIGTERM);
}

TEST_F(LauncherTest, ProgramThatDoesNotExist) {
  auto child = LaunchedProcess::spawn({"/nonexistent/program"});
  ASSERT_TRUE(child) << child.error().describe();  // fork succeeds; exec fails on release
  ReapAtExit reap(*child);
  auto released = child->release();
  ASSERT_FALSE(released);
  EXPECT_EQ(released.error().kind(), ErrorKind::kBadInput);
  EXPECT_EQ(released.error().sys_errno(), ENOENT);
  EXPECT_TRUE(child->reaped());  // release() reaped the child that could not exec
  EXPECT_EQ(exit_code_of(child->wait()), 127);
}

TEST_F(LauncherTest, ProgramThatIsNotExecutable) {
  const std::string path = test::make_test_dir("launcher_not_executable") + "/script";
  ASSERT_TRUE(test::write_file(path, "#!/bin/sh\nexit 0\n"));
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  auto child = LaunchedProcess::spawn({path});
  ASSERT_TRUE(child) << child.error().describe();
  ReapAtExit reap(*child);
  auto released = child->release();
  ASSERT_FALSE(released);
  EXPECT_EQ(released.error().sys_errno(), EACCES);
  EXPECT_TRUE(child->reaped());
}

TEST_F(LauncherTest, NoCommandIsAUsageError) {
  auto child = LaunchedProcess::spawn({});
  ASSERT_FALSE(child);
  EXPECT_EQ(child.error().kind(), ErrorKind::kUsage);
}

TEST_F(LauncherTest, FailedForkClosesBothPipes) {
  auto failing_fork = []() -> pid_t {
    errno = EAGAIN;
    return -1;
  };
  auto child = LaunchedProcess::spawn({"true"}, {}, failing_fork);
  ASSERT_FALSE(child);
  EXPECT_EQ(child.error().sys_errno(), EAGAIN);
  // TearDown checks that none of the four pipe ends stayed open.
}

TEST_F(LauncherTest, DestructorKillsAndReapsAChildNeverReleased) {
  pid_t pid = -1;
  {
    auto child = LaunchedProcess::spawn({"sleep", "30"});
    ASSERT_TRUE(child) << child.error().describe();
    pid = child->pid();
  }
  EXPECT_TRUE(is_reaped(pid));
}

TEST_F(LauncherTest, MoveHandsTheChildOver) {
  pid_t pid = -1;
  {
    auto child = LaunchedProcess::spawn({"sleep", "30"});
    ASSERT_TRUE(child) << child.error().describe();
    pid = child->pid();
    LaunchedProcess moved(std::move(*child));
    EXPECT_EQ(moved.pid(), pid);
    EXPECT_EQ(child->pid(), -1);  // NOLINT(bugprone-use-after-move): moved-from owns nothing
  }
  EXPECT_TRUE(is_reaped(pid));
}

// Released, then given `ms` to start (exec and the shell's traps set).
void release_and_settle(LaunchedProcess& child, std::chrono::milliseconds ms = 200ms) {
  ASSERT_TRUE(child.release());
  std::this_thread::sleep_for(ms);
}

TEST_F(LauncherTest, StopEndsARunningChildWithSigint) {
  auto child = LaunchedProcess::spawn({"sleep", "30"});
  ASSERT_TRUE(child) << child.error().describe();
  ReapAtExit reap(*child);
  release_and_settle(*child);
  const StopOutcome outcome = child->stop(1s);
  EXPECT_EQ(outcome.signal, SIGINT);
  EXPECT_TRUE(child->reaped());
  EXPECT_EQ(exit_code_of(outcome.wait_status), 128 + SIGINT);
}

TEST_F(LauncherTest, StopLetsAChildHandleSigint) {
  auto child = LaunchedProcess::spawn({"sh", "-c", "trap 'exit 5' INT; while :; do :; done"});
  ASSERT_TRUE(child) << child.error().describe();
  ReapAtExit reap(*child);
  release_and_settle(*child);
  const StopOutcome outcome = child->stop(5s);
  EXPECT_EQ(outcome.signal, SIGINT);
  EXPECT_EQ(exit_code_of(outcome.wait_status), 5);
}

TEST_F(LauncherTest, StopFallsBackToSigtermThenSigkill) {
  // Ignored signals stay ignored across exec: sleep ignores SIGINT, then both.
  for (const auto& [ignored, expected] :
       {std::pair{"INT", SIGTERM}, std::pair{"INT TERM", SIGKILL}}) {
    auto child =
        LaunchedProcess::spawn({"sh", "-c", std::string("trap '' ") + ignored + "; exec sleep 30"});
    ASSERT_TRUE(child) << child.error().describe();
    ReapAtExit reap(*child);
    release_and_settle(*child);
    const auto start = std::chrono::steady_clock::now();
    const StopOutcome outcome = child->stop(200ms);
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(outcome.signal, expected) << ignored;
    EXPECT_EQ(exit_code_of(outcome.wait_status), 128 + expected) << ignored;
    EXPECT_GE(took, expected == SIGKILL ? 400ms : 200ms) << ignored;
    EXPECT_LT(took, 5s) << ignored;
  }
}

TEST_F(LauncherTest, StopAfterCtrlCSendsNoSecondSigint) {
  // The shell's SIGINT trap counts what it gets; Ctrl-C's is sent here by hand.
  const std::string file = test::make_test_dir("launcher_interrupted") + "/sigints";
  auto child = LaunchedProcess::spawn({"sh", "-c",
                                       "n=0; trap 'n=$((n+1)); echo $n > " + file +
                                           "; [ $n -ge 2 ] && exit 2' INT; "
                                           "while :; do :; done"});
  ASSERT_TRUE(child) << child.error().describe();
  ReapAtExit reap(*child);
  release_and_settle(*child);
  ASSERT_EQ(::kill(child->pid(), SIGINT), 0);
  const StopOutcome outcome = child->stop(300ms, /*interrupted=*/true);
  EXPECT_EQ(outcome.signal, SIGTERM) << "the one SIGINT did not end it";
  EXPECT_EQ(exit_code_of(outcome.wait_status), 128 + SIGTERM);
  EXPECT_EQ(test::read_file(file), "1\n");
}

TEST_F(LauncherTest, StopWakesAStoppedChild) {
  auto child = LaunchedProcess::spawn({"sleep", "30"});
  ASSERT_TRUE(child) << child.error().describe();
  ReapAtExit reap(*child);
  release_and_settle(*child);
  ASSERT_EQ(::kill(child->pid(), SIGSTOP), 0);
  const StopOutcome outcome = child->stop(1s);
  EXPECT_EQ(outcome.signal, SIGINT) << "SIGCONT lets the pending SIGINT act";
  EXPECT_TRUE(child->reaped());
}

TEST_F(LauncherTest, StopLeavesAnExitedChildsStatus) {
  auto child = LaunchedProcess::spawn({"sh", "-c", "exit 3"});
  ASSERT_TRUE(child) << child.error().describe();
  ReapAtExit reap(*child);
  ASSERT_TRUE(child->release());
  for (int i = 0; i < 1000 && test::process_state(child->pid()) != 'Z'; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  const StopOutcome outcome = child->stop(1s);
  EXPECT_EQ(outcome.signal, 0);
  EXPECT_EQ(exit_code_of(outcome.wait_status), 3);
}

// Sends this process's stderr to a file while it lives (restored even if a test fails).
class StderrToFile {
 public:
  explicit StderrToFile(const std::string& path)
      : saved_(::dup(STDERR_FILENO)),
        file_(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) {
    ::dup2(file_, STDERR_FILENO);
  }
  StderrToFile(const StderrToFile&) = delete;
  StderrToFile& operator=(const StderrToFile&) = delete;
  ~StderrToFile() {
    ::dup2(saved_, STDERR_FILENO);
    ::close(saved_);
    ::close(file_);
  }

 private:
  int saved_;
  int file_;
};

TEST_F(LauncherTest, StdoutCanBeStderr) {
  const std::string path = test::make_test_dir("launcher_stdout_to_stderr") + "/stderr";
  int status = 0;
  {
    StderrToFile redirect(path);
    auto child = LaunchedProcess::spawn({"sh", "-c", "echo to-stdout"},
                                        LaunchOptions{.stdout_to_stderr = true});
    ASSERT_TRUE(child) << child.error().describe();
    ReapAtExit reap(*child);
    ASSERT_TRUE(child->release());
    status = child->wait();
  }
  EXPECT_EQ(exit_code_of(status), 0);
  EXPECT_EQ(test::read_file(path), "to-stdout\n");
}

TEST_F(LauncherTest, TargetNamesALaunchedProgramAsExecWill) {
  // Never released: the held children are killed when the targets go.
  auto sh = Target::launch({"/bin/sh", "-c", "exit 0"});
  ASSERT_TRUE(sh) << sh.error().describe();
  EXPECT_EQ(sh->name(), "sh");
  auto long_name = Target::launch({"./a-program-with-a-long-name", "arg"});
  ASSERT_TRUE(long_name) << long_name.error().describe();
  EXPECT_EQ(long_name->name(), "a-program-with-");  // TASK_COMM_LEN - 1 bytes
  EXPECT_EQ(long_name->stop(1s), 0) << "a held child is not stopped: it never ran";
}

// Waits until `root` has `count` processes in its group below it; those found.
std::vector<ProcessId> wait_for_descendants(pid_t root, std::size_t count) {
  std::vector<ProcessId> found;
  for (int i = 0; i < 500 && found.size() < count; ++i) {
    std::this_thread::sleep_for(10ms);
    found = group_descendants(root);
  }
  return found;
}

// SIGKILLs what a test's child started, when the test ends (they are not its children).
class KillAtExit {
 public:
  KillAtExit() = default;
  KillAtExit(const KillAtExit&) = delete;
  KillAtExit& operator=(const KillAtExit&) = delete;
  ~KillAtExit() {
    for (const ProcessId& p : processes) {
      if (p.running()) ::kill(p.pid, SIGKILL);
    }
  }
  std::vector<ProcessId> processes;
};

TEST_F(LauncherTest, DescendantsAreEveryProcessBelowParentsFirst) {
  // A grandchild in a process group of its own is a descendant too (not of the group).
  auto child =
      LaunchedProcess::spawn({"sh", "-c", "sleep 300 & setsid sh -c 'sleep 300 & wait' & wait"});
  ASSERT_TRUE(child) << child.error().describe();
  ReapAtExit reap(*child);
  KillAtExit kill_them;
  ASSERT_TRUE(child->release());
  kill_them.processes = wait_for_descendants(child->pid(), 1);
  std::vector<pid_t> found;
  for (int i = 0; i < 200 && found.size() < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    found = descendants(child->pid());
  }
  // Each one's parent is the launched sh or one found before it.
  std::set<pid_t> before{child->pid()};
  for (pid_t pid : found) {
    auto stat = read_text_file("/proc/" + std::to_string(pid) + "/stat");
    if (!stat) continue;
    std::istringstream rest(stat->substr(stat->rfind(')') + 1));
    std::vector<std::string> fields;  // from field 3 (state) on
    for (std::string f; rest >> f;) fields.push_back(f);
    ASSERT_GE(fields.size(), 20u);
    kill_them.processes.push_back(
        ProcessId{.pid = pid, .start_time = std::stoull(fields[19])});  // field 22
    EXPECT_EQ(before.count(std::stoi(fields[1])), 1u) << pid << "'s parent " << fields[1];
    before.insert(pid);
  }
  ASSERT_EQ(found.size(), 3u) << "sleep, setsid's sh and its sleep";
  EXPECT_TRUE(descendants(999999999).empty());
}

TEST_F(LauncherTest, GroupDescendantsAreTheChildsProcessesInItsGroup) {
  auto child = LaunchedProcess::spawn({"sh", "-c", "sleep 300 & sleep 300; true"});
  ASSERT_TRUE(child) << child.error().describe();
  ReapAtExit reap(*child);
  KillAtExit kill_them;
  ASSERT_TRUE(child->release());
  kill_them.processes = wait_for_descendants(child->pid(), 2);
  ASSERT_EQ(kill_them.processes.size(), 2u);
  for (const ProcessId& p : kill_them.processes) EXPECT_TRUE(p.running());
  EXPECT_TRUE(group_descendants(::getpid()).size() >= 3) << "the sh and its two sleeps";
  EXPECT_TRUE(group_descendants(999999999).empty());
  // A PID with another start time is another process.
  EXPECT_FALSE((ProcessId{.pid = kill_them.processes[0].pid,
                          .start_time = kill_them.processes[0].start_time + 1})
                   .running());
}

TEST_F(LauncherTest, StopAlsoStopsWhatTheChildStartedInItsGroup) {
  // The background sleep ignores SIGINT (a non-interactive shell's background job) and
  // outlives the shell, which SIGINT ends: it gets SIGTERM after the grace.
  auto child = LaunchedProcess::spawn({"sh", "-c", "sleep 300 & sleep 300; true"});
  ASSERT_TRUE(child) << child.error().describe();
  ReapAtExit reap(*child);
  KillAtExit kill_them;
  ASSERT_TRUE(child->release());
  kill_them.processes = wait_for_descendants(child->pid(), 2);
  ASSERT_EQ(kill_them.processes.size(), 2u);
  const StopOutcome outcome = child->stop(200ms);
  EXPECT_EQ(outcome.signal, SIGTERM);
  EXPECT_EQ(exit_code_of(outcome.wait_status), 128 + SIGINT) << "the shell ended on SIGINT";
  for (const ProcessId& p : kill_them.processes) EXPECT_FALSE(p.running()) << p.pid;
}

TEST_F(LauncherTest, StopLeavesAProcessThatLeftTheGroup) {
  const std::string file = test::make_test_dir("launcher_setsid") + "/pid";
  auto child =
      LaunchedProcess::spawn({"sh", "-c", "setsid sleep 300 & echo $! > " + file + "; wait"});
  ASSERT_TRUE(child) << child.error().describe();
  ReapAtExit reap(*child);
  // The sleep in its own session (the shell's $!, as setsid execs it), SIGKILLed at the end.
  struct KillDaemon {
    pid_t pid = -1;
    ~KillDaemon() {
      if (pid > 0) ::kill(pid, SIGKILL);
    }
  } daemon;
  ASSERT_TRUE(child->release());
  for (int i = 0; i < 500 && daemon.pid <= 0; ++i) {
    std::this_thread::sleep_for(10ms);
    daemon.pid = std::atoi(test::read_file(file).c_str());
  }
  ASSERT_GT(daemon.pid, 0);
  for (int i = 0; i < 500 && ::getsid(daemon.pid) != daemon.pid; ++i) {
    std::this_thread::sleep_for(10ms);  // until setsid has run
  }
  ASSERT_EQ(::getsid(daemon.pid), daemon.pid);
  EXPECT_TRUE(group_descendants(child->pid()).empty());
  child->stop(200ms);
  EXPECT_EQ(::kill(daemon.pid, 0), 0) << "a process in its own session is no part of the job";
}

TEST(LauncherDeathTest, WaitingOnAMovedFromOneAborts) {
  auto child = LaunchedProcess::spawn({"sleep", "30"});
  ASSERT_TRUE(child) << child.error().describe();
  LaunchedProcess owner(std::move(*child));
  // Not waitpid(-1), which would reap whichever child of cspy ended first.
  EXPECT_DEATH((void)child->wait(), "CHECK\\(pid_ > 0\\) failed");
  EXPECT_DEATH((void)child->try_wait(), "CHECK\\(pid_ > 0\\) failed");
}

}  // namespace
}  // namespace cspy::process
