// Process on a child of the test's own (process_target, a known thread and known memory):
// threads, their names and states, command line, maps, memory reads (whole, short at an
// unmapped page, failed at an unmapped address), and open()'s refusals: no such PID, bad
// PID, zombie, kernel thread, a process of another user.
#include "cspy/process/process.h"

#include <grp.h>
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cspy/process/thread_status.h"
#include "support/child_process.h"
#include "support/test_files.h"

namespace cspy::process {
namespace {

using namespace std::chrono_literals;

constexpr std::uint64_t kMarker = 0x0123456789abcdefULL;  // as in process_target.cpp

// Polls `done` every 10 ms for up to 10 s; its last answer.
template <typename Pred>
bool eventually(Pred done) {
  for (auto deadline = std::chrono::steady_clock::now() + 10s;
       std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(10ms)) {
    if (done()) return true;
  }
  return done();
}

// process_target started with two arguments, and what its "ready" line told.
class ProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(target_.started()) << target_.error_output();
    auto line = target_.read_line(10s);
    ASSERT_TRUE(line.has_value()) << "process_target never got ready";
    std::istringstream in(*line);
    std::string ready;
    in >> ready >> std::hex >> marker_ >> page_end_ >> std::dec >> reader_tid_;
    ASSERT_EQ(ready, "ready") << *line;
    ASSERT_TRUE(in) << *line;
    auto process = Process::open(target_.pid());
    ASSERT_TRUE(process) << process.error().describe();
    process_.emplace(*process);
  }

  test::ChildProcess target_{{PROCESS_TARGET, "one", "two"}};
  std::optional<Process> process_;
  std::uint64_t marker_ = 0;
  std::uint64_t page_end_ = 0;
  pid_t reader_tid_ = 0;
};

TEST_F(ProcessTest, OpensALiveProcess) {
  EXPECT_EQ(process_->pid(), target_.pid());
  EXPECT_TRUE(process_->alive());
}

TEST_F(ProcessTest, ThreadsAndTheirNames) {
  EXPECT_EQ(process_->threads(), (std::vector<pid_t>{target_.pid(), reader_tid_}));
  EXPECT_EQ(process_->thread_name(target_.pid()), "process_target");
  EXPECT_EQ(process_->thread_name(reader_tid_), "cspy-reader");
  EXPECT_EQ(process_->thread_name(::getpid()), "");  // not one of its threads
}

TEST_F(ProcessTest, ThreadStates) {
  EXPECT_TRUE(eventually([&] { return process_->thread_state(reader_tid_) == 'S'; }));
  ASSERT_EQ(::kill(target_.pid(), SIGSTOP), 0);
  EXPECT_TRUE(eventually([&] {
    return process_->thread_state(target_.pid()) == 'T' &&
           process_->thread_state(reader_tid_) == 'T';
  }));
  ASSERT_EQ(::kill(target_.pid(), SIGCONT), 0);
  EXPECT_TRUE(eventually([&] { return process_->thread_state(reader_tid_) == 'S'; }));
  EXPECT_EQ(process_->thread_state(::getpid()), '?');
}

TEST_F(ProcessTest, ThreadStatusNamesTheBlockingSyscall) {
  ThreadStatus st;
  EXPECT_TRUE(eventually([&] {
    st = read_thread_status(target_.pid(), reader_tid_);
    return st.state == 'S' && st.syscall_name == "read";
  })) << st.state
      << " " << st.syscall_name;
  EXPECT_EQ(st.state_name, "sleeping");
}

TEST_F(ProcessTest, CommandLineAndMaps) {
  EXPECT_EQ(process_->command_line(), std::string(PROCESS_TARGET) + " one two");
  auto maps = process_->maps();
  ASSERT_TRUE(maps) << maps.error().describe();
  EXPECT_NE(maps->find(PROCESS_TARGET), std::string::npos) << *maps;
  EXPECT_NE(maps->find("[stack]"), std::string::npos) << *maps;
}

TEST_F(ProcessTest, ReadsAKnownValue) {
  std::uint64_t value = 0;
  auto n = process_->read_memory(RemoteAddr(marker_), &value, sizeof value);
  ASSERT_TRUE(n) << n.error().describe();
  EXPECT_EQ(*n, sizeof value);
  EXPECT_EQ(value, kMarker);
}

TEST_F(ProcessTest, ReadIsShortAtAnUnmappedPage) {
  std::uint64_t words[2] = {0, 0};
  auto n = process_->read_memory(RemoteAddr(page_end_) + -8, words, sizeof words);
  ASSERT_TRUE(n) << n.error().describe();
  EXPECT_EQ(*n, 8u);
  EXPECT_EQ(words[0], kMarker);
}

TEST_F(ProcessTest, ReadAtAnUnmappedAddressFails) {
  std::uint64_t value = 0;
  auto n = process_->read_memory(RemoteAddr(page_end_), &value, sizeof value);
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().sys_errno(), EFAULT);
  EXPECT_NE(n.error().message().find(std::to_string(target_.pid())), std::string::npos)
      << n.error().message();
}

TEST_F(ProcessTest, AfterTheProcessIsGone) {
  target_.kill_and_reap();
  EXPECT_FALSE(process_->alive());
  EXPECT_TRUE(process_->threads().empty());
  EXPECT_EQ(process_->thread_name(reader_tid_), "");
  EXPECT_EQ(process_->thread_state(reader_tid_), '?');
  auto maps = process_->maps();
  ASSERT_FALSE(maps);
  EXPECT_EQ(maps.error().kind(), ErrorKind::kTargetExited);
  std::uint64_t value = 0;
  auto n = process_->read_memory(RemoteAddr(marker_), &value, sizeof value);
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().kind(), ErrorKind::kTargetExited);
  EXPECT_EQ(n.error().sys_errno(), ESRCH);
}

TEST(ProcessOpen, NoSuchProcess) {
  // PIDs are below pid_max, so this one cannot exist.
  const pid_t pid = std::stoi(test::read_file("/proc/sys/kernel/pid_max"));
  auto p = Process::open(pid);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().kind(), ErrorKind::kNoSuchProcess);
  EXPECT_NE(p.error().message().find("no process with PID " + std::to_string(pid)),
            std::string::npos)
      << p.error().message();
}

TEST(ProcessOpen, InvalidPid) {
  for (pid_t pid : {0, -1}) {
    auto p = Process::open(pid);
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error().kind(), ErrorKind::kUsage);
  }
}

TEST(ProcessOpen, Zombie) {
  test::ChildProcess child({"true"});
  ASSERT_TRUE(child.started()) << child.error_output();
  ASSERT_TRUE(eventually([&] { return test::process_state(child.pid()) == 'Z'; }));
  auto p = Process::open(child.pid());
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().kind(), ErrorKind::kNotTraceable);
  EXPECT_NE(p.error().message().find("zombie"), std::string::npos) << p.error().message();
}

TEST(ProcessOpen, KernelThread) {
  // kthreadd is PID 2 wherever kernel threads are visible (not in a PID namespace).
  if (test::read_file("/proc/2/comm") != "kthreadd\n") GTEST_SKIP() << "no kthreadd as PID 2";
  auto p = Process::open(2);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().kind(), ErrorKind::kNotTraceable);
  EXPECT_NE(p.error().message().find("kernel thread"), std::string::npos) << p.error().message();
}

TEST(ProcessOpenDeathTest, ProcessOfAnotherUser) {
  // In a child that drops root (if it has it) for nobody: this test process is not its own.
  EXPECT_EXIT(
      {
        if (::geteuid() == 0 &&
            (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0)) {
          std::_Exit(2);
        }
        auto p = Process::open(::getppid());
        const bool refused = !p && p.error().kind() == ErrorKind::kPermission &&
                             p.error().message().find("not permitted") != std::string::npos;
        std::_Exit(refused ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace cspy::process
