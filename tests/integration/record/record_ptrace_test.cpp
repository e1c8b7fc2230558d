// `cspy record --sampler ptrace`: once sampling ends, every thread of the target is untraced
// and running before the output is written (checked while cspy waits to open a FIFO nobody
// reads yet: a signal sent then reaches the target's handler); a target that exits on its
// own ends the recording at once, with the output written.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <sstream>
#include <thread>

#include "support/child_process.h"
#include "support/test_files.h"

namespace cspy::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// True when cspy's main thread sleeps in openat(): the open of the FIFO, which waits for a
// reader. Seen on five looks 20 ms apart, as other opens during sampling are brief.
bool blocked_opening(pid_t cspy) {
  for (int look = 0; look < 5; ++look) {
    if (look > 0) std::this_thread::sleep_for(20ms);
    std::istringstream syscall(read_file("/proc/" + std::to_string(cspy) + "/syscall"));
    long nr = -1;
    if (!(syscall >> nr) || nr != SYS_openat || process_state(cspy) != 'S') return false;
  }
  return true;
}

bool wait_until_blocked_opening(ChildProcess& cspy, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline && cspy.running()) {
    if (blocked_opening(cspy.pid())) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

// Everything cspy writes into the FIFO, until it closes it and exits (or `timeout`).
std::string read_fifo(const std::string& path, ChildProcess& cspy,
                      std::chrono::milliseconds timeout) {
  // Non-blocking: an open that finds no writer must not hang the test.
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return "";
  std::string text;
  const auto deadline = Clock::now() + timeout;
  char buffer[4096];
  while (Clock::now() < deadline) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      text.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0 && cspy.wait(0ms).has_value()) {
      break;  // no writer left, and none to come
    } else {
      pollfd p{fd, POLLIN, 0};
      ::poll(&p, 1, 10);
      if (n == 0) std::this_thread::sleep_for(5ms);  // no writer yet: POLLHUP returns at once
    }
  }
  ::close(fd);
  return text;
}

TEST(RecordPtrace, TargetIsUntracedAndGetsSignalsOnceSamplingEnds) {
  const std::string fifo = make_temp_dir() + "/out.folded";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  ChildProcess chain({target_binary("chain"), "--mode", "spin", "--threads", "2", "--on-usr1"});
  ASSERT_TRUE(chain.wait_for_output("ready", 10s));
  const pid_t pid = chain.pid();
  ChildProcess cspy({cspy_binary(), "record", "--pid", std::to_string(pid), "--sampler", "ptrace",
                     "-d", "1", "--rate", "200", "-o", fifo});
  ASSERT_TRUE(wait_until_blocked_opening(cspy, 20s)) << cspy.error_output();

  const std::set<pid_t> threads = thread_ids(pid);
  EXPECT_EQ(threads.size(), 3u);
  for (pid_t tid : threads) EXPECT_EQ(tracer_of(pid, tid), 0) << "thread " << tid;
  EXPECT_FALSE(process_is_stopped(pid));
  ASSERT_EQ(::kill(pid, SIGUSR1), 0);
  EXPECT_TRUE(chain.wait_for_output("usr1", 5s));
  EXPECT_TRUE(chain.running());

  const std::string folded = read_fifo(fifo, cspy, 20s);
  EXPECT_EQ(cspy.wait(10s), 0) << cspy.error_output();
  EXPECT_GT(total_samples(parse_folded(folded)), 0u) << folded;
  EXPECT_GT(count_matching(parse_folded(folded), "leaf"), 0u) << folded;
}

TEST(RecordPtrace, TargetExitingOnItsOwnEndsTheRecording) {
  ChildProcess chain(
      {target_binary("chain"), "--mode", "spin", "--threads", "4", "--seconds", "1.5"});
  ASSERT_TRUE(chain.wait_for_output("ready", 10s));
  const std::string out = make_temp_dir() + "/out.folded";
  const auto start = Clock::now();
  CommandResult r = run_command({cspy_binary(), "record", "--pid", std::to_string(chain.pid()),
                                 "--sampler", "ptrace", "--rate", "1000", "-o", out},
                                30s);
  const auto took = Clock::now() - start;
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_LT(took, 5s);
  EXPECT_GT(count_matching(parse_folded(read_file(out)), "leaf"), 0u) << r.err;
  EXPECT_EQ(chain.wait(5s), 0);
}

// cspy is the parent and the tracer of a program it launches: its waits for the program's
// exit must leave the ptrace-stops (here sh's SIGCHLDs) to the sampler, or the signal is
// lost, the stop taken for an exit, and the program left stopped.
TEST(RecordPtrace, LaunchedProgramGetsItsSignalsAndKeepsItsExitStatus) {
  const std::string out = make_temp_dir() + "/out.folded";
  for (int run = 0; run < 3; ++run) {
    const auto start = Clock::now();
    // Rate 1: between ticks, only the sampler's servicing answers the stops.
    CommandResult r =
        run_command({cspy_binary(), "record", "--sampler", "ptrace", "--rate", "1", "-o", out, "--",
                     "sh", "-c", "for i in 1 2 3 4 5; do sleep 0.05; done; exit 3"},
                    30s);
    EXPECT_FALSE(r.timed_out);
    EXPECT_EQ(r.exit_code, 3) << r.err;
    EXPECT_LT(Clock::now() - start, 5s);
    EXPECT_EQ(r.err.find("warning"), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace cspy::test
