// PtraceAttachment on live chain processes: detach leaves every thread untraced (also a
// running one); signals sent while seized are delivered (a handler runs, SIGTERM kills);
// SIGSTOP/SIGCONT behave as without a tracer; interrupt() of a thread that exited fails at
// once; a moved attachment detaches once. ChildProcess kills and reaps each target.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include "cspy/sampling/ptrace_attachment.h"
#include "support/child_process.h"
#include "support/test_files.h"

namespace cspy::sampling {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using test::tracer_of;

// A chain whose threads all wait in read(), with a SIGUSR1 handler that prints `usr1`.
test::ChildProcess blocked_chain(const char* threads) {
  test::ChildProcess chain(
      {test::target_binary("chain"), "--mode", "read", "--threads", threads, "--on-usr1"});
  EXPECT_TRUE(chain.wait_for_output("ready", 10s));
  std::this_thread::sleep_for(100ms);  // `ready` comes just before read()
  return chain;
}

std::vector<PtraceAttachment> seize_all(pid_t pid) {
  std::vector<PtraceAttachment> all;
  for (pid_t tid : test::thread_ids(pid)) {
    auto seized = PtraceAttachment::seize(pid, tid);
    EXPECT_TRUE(seized) << seized.error().describe();
    if (seized) all.push_back(std::move(*seized));
  }
  return all;
}

// Services every attachment, as the sampler does at each tick, until `done` or `timeout`.
bool service_until(std::vector<PtraceAttachment>& all, const std::function<bool()>& done,
                   std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    for (auto& a : all) a.service();
    if (done()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return false;
}

void detach_all(std::vector<PtraceAttachment>& all) {
  for (auto& a : all) {
    auto detached = a.detach();
    EXPECT_TRUE(detached) << "thread " << a.tid() << ": " << detached.error().describe();
  }
}

bool all_untraced(pid_t pid) {
  for (pid_t tid : test::thread_ids(pid)) {
    if (tracer_of(pid, tid) != 0) return false;
  }
  return true;
}

TEST(PtraceAttachment, DetachLeavesBlockedAndRunningThreadsUntraced) {
  test::ChildProcess blocked = blocked_chain("2");
  test::ChildProcess spinning({test::target_binary("chain"), "--mode", "spin", "--threads", "2"});
  ASSERT_TRUE(spinning.wait_for_output("ready", 10s));
  for (pid_t pid : {blocked.pid(), spinning.pid()}) {
    auto all = seize_all(pid);
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(tracer_of(pid, all[0].tid()), ::getpid());
    ASSERT_TRUE(all[1].interrupt());  // one stopped and resumed, the others never stopped
    EXPECT_TRUE(all[1].stopped());
    ASSERT_TRUE(all[1].resume());
    detach_all(all);
    detach_all(all);  // twice: nothing to do
    EXPECT_TRUE(all_untraced(pid));
    EXPECT_FALSE(test::process_is_stopped(pid));
  }
  std::this_thread::sleep_for(50ms);
  for (pid_t tid : test::thread_ids(spinning.pid())) {
    if (tid != spinning.pid()) {  // the leader waits in pthread_join
      EXPECT_EQ(test::process_state(tid), 'R');
    }
  }
}

TEST(PtraceAttachment, SignalToSeizedBlockedThreadReachesItsHandler) {
  test::ChildProcess chain = blocked_chain("2");
  auto all = seize_all(chain.pid());
  ASSERT_EQ(::kill(chain.pid(), SIGUSR1), 0);
  EXPECT_TRUE(service_until(
      all, [&] { return chain.wait_for_output("usr1", 10ms); }, 3s));
  // Sent while nobody services the stops: detach delivers it.
  ASSERT_EQ(::kill(chain.pid(), SIGUSR1), 0);
  std::this_thread::sleep_for(50ms);
  detach_all(all);
  EXPECT_TRUE(chain.wait_for_output("usr1", 3s));
  EXPECT_TRUE(all_untraced(chain.pid()));
  EXPECT_FALSE(test::process_is_stopped(chain.pid()));
}

TEST(PtraceAttachment, SigtermToSeizedBlockedProcessKillsIt) {
  test::ChildProcess chain = blocked_chain("3");
  auto all = seize_all(chain.pid());
  ASSERT_EQ(::kill(chain.pid(), SIGTERM), 0);
  EXPECT_TRUE(service_until(
      all,
      [&] {
        for (auto& a : all)
          if (!a.gone()) return false;
        return true;
      },
      3s));
  EXPECT_EQ(chain.wait(3s), 128 + SIGTERM);  // the leader was left to its parent, the test
}

TEST(PtraceAttachment, StopThenContinueLeavesTheProcessRunning) {
  test::ChildProcess chain = blocked_chain("2");
  const pid_t pid = chain.pid();
  auto all = seize_all(pid);
  ASSERT_EQ(::kill(pid, SIGSTOP), 0);
  // Each thread enters the group-stop (kept with PTRACE_LISTEN) and is seen stopped.
  EXPECT_TRUE(service_until(
      all, [&] { return test::process_state(pid) == 't' || test::process_state(pid) == 'T'; }, 3s));
  ASSERT_TRUE(all[0].interrupt());  // a group-stopped thread can still be read...
  ASSERT_TRUE(all[0].resume());     // ...and goes back into its group-stop
  ASSERT_EQ(::kill(pid, SIGCONT), 0);
  EXPECT_TRUE(service_until(
      all, [&] { return test::process_state(pid) == 'S'; }, 3s));
  ASSERT_EQ(::kill(pid, SIGUSR1), 0);  // and it runs: the handler prints
  EXPECT_TRUE(service_until(
      all, [&] { return chain.wait_for_output("usr1", 10ms); }, 3s));
  detach_all(all);
  EXPECT_TRUE(all_untraced(pid));
  EXPECT_FALSE(test::process_is_stopped(pid));
}

TEST(PtraceAttachment, DetachDuringAGroupStopLeavesItStoppedUntilSigcont) {
  test::ChildProcess chain = blocked_chain("2");
  const pid_t pid = chain.pid();
  auto all = seize_all(pid);
  ASSERT_EQ(::kill(pid, SIGSTOP), 0);
  std::this_thread::sleep_for(50ms);
  detach_all(all);
  EXPECT_TRUE(all_untraced(pid));
  // Stopped, as without a tracer: each thread goes back into the group-stop on its own.
  const auto deadline = Clock::now() + 3s;
  auto all_stopped = [&] {
    for (pid_t tid : test::thread_ids(pid)) {
      if (test::process_state(tid) != 'T') return false;
    }
    return true;
  };
  while (!all_stopped() && Clock::now() < deadline) std::this_thread::sleep_for(5ms);
  EXPECT_TRUE(all_stopped());
  ASSERT_EQ(::kill(pid, SIGCONT), 0);
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(test::process_is_stopped(pid));
  ASSERT_EQ(::kill(pid, SIGUSR1), 0);
  EXPECT_TRUE(chain.wait_for_output("usr1", 3s));
}

TEST(PtraceAttachment, InterruptOfAnExitedThreadFailsPromptly) {
  for (const std::string how : {"kill", "return"}) {
    SCOPED_TRACE(how);
    test::ChildProcess chain({test::target_binary("chain"), "--mode", "spin", "--threads", "3",
                              "--seconds", how == "kill" ? "0" : "0.3"});
    ASSERT_TRUE(chain.wait_for_output("ready", 10s));
    auto all = seize_all(chain.pid());
    ASSERT_EQ(all.size(), 4u);
    if (how == "kill") {
      ASSERT_EQ(::kill(chain.pid(), SIGKILL), 0);
    }
    std::this_thread::sleep_for(600ms);
    for (auto& a : all) {  // the leader first: it cannot be reaped before its threads
      const auto start = Clock::now();
      auto r = a.interrupt();
      EXPECT_LT(Clock::now() - start, 500ms) << "thread " << a.tid();
      ASSERT_FALSE(r) << "thread " << a.tid();
      EXPECT_EQ(r.error().kind(), ErrorKind::kTargetExited) << r.error().describe();
      EXPECT_TRUE(a.detach());
    }
    all.clear();
    EXPECT_TRUE(chain.wait(3s).has_value());
  }
}

TEST(PtraceAttachment, AMovedAttachmentDetachesOnce) {
  test::ChildProcess chain = blocked_chain("1");
  const pid_t pid = chain.pid();
  auto seized = PtraceAttachment::seize(pid, pid);
  ASSERT_TRUE(seized) << seized.error().describe();
  std::optional<PtraceAttachment> kept;
  {
    PtraceAttachment moved(std::move(*seized));
    EXPECT_EQ(seized->tid(), -1);
    EXPECT_TRUE(seized->gone());
    EXPECT_TRUE(seized->detach());  // nothing to do
    kept.emplace(std::move(moved));
  }  // `moved` (moved from) is destroyed here
  EXPECT_EQ(tracer_of(pid, pid), ::getpid());
  ASSERT_TRUE(kept->interrupt());
  PtraceAttachment other = std::move(*kept);  // moving a stopped attachment keeps it stopped
  EXPECT_TRUE(other.stopped());
  kept.reset();
  EXPECT_EQ(tracer_of(pid, pid), ::getpid());
  EXPECT_TRUE(other.detach());
  EXPECT_EQ(tracer_of(pid, pid), 0);
  EXPECT_FALSE(test::process_is_stopped(pid));
}

}  // namespace
}  // namespace cspy::sampling
