// Scale: cspy attached to 1,000 mostly idle threads and to a process that creates and joins
// threads all the time (test_targets/threads). Correctness, not speed: every thread's
// samples are seen, nothing is lost, the descriptors and locked ring memory stay bounded
// by the CPUs (not the threads), and threads born after the attach are sampled from their
// first ticks with no descriptor of their own.
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "support/child_process.h"
#include "support/test_files.h"

namespace cspy::test {
namespace {

using namespace std::chrono_literals;

std::size_t count_fds(pid_t pid) {
  std::size_t n = 0;
  std::error_code ec;
  for (const auto& entry :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
    (void)entry;
    ++n;
  }
  return n;
}

// Bytes of perf_event rings the process has mapped (the kernel locks them).
std::size_t perf_ring_bytes(pid_t pid) {
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  std::string line;
  std::size_t n = 0;
  while (std::getline(maps, line)) {
    if (line.find("[perf_event]") == std::string::npos) continue;
    std::size_t dash = line.find('-');
    std::size_t space = line.find(' ');
    n += std::stoull(line.substr(dash + 1, space - dash - 1), nullptr, 16) -
         std::stoull(line.substr(0, dash), nullptr, 16);
  }
  return n;
}

// The target's user+system CPU seconds (exited threads included).
double cpu_seconds(pid_t pid) {
  std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  std::istringstream in(stat.substr(stat.rfind(')') + 2));
  std::string field;
  double ticks = 0;
  for (int i = 0; i < 13 && in >> field; ++i) {
    if (i >= 11) ticks += std::stod(field);
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

std::size_t online_cpus() { return static_cast<std::size_t>(::sysconf(_SC_NPROCESSORS_ONLN)); }

TEST(Scale, AThousandIdleThreadsAreAllSampledWithBoundedDescriptorsAndRings) {
  constexpr std::size_t kThreads = 1000;
  ChildProcess target({target_binary("threads"), "--idle", std::to_string(kThreads)});
  ASSERT_TRUE(target.wait_for_output("ready", 30s));
  const std::string out = make_temp_dir() + "/out.folded";
  ChildProcess cspy(
      {"env", "CSPY_LOG=debug", cspy_binary(), "record", "-p", std::to_string(target.pid()), "-r",
       "1000", "--threads", "-f", "folded", "-o", out, "-d", "120"},
      Stderr::kMerge);
  // Attached: a descriptor per thread at least (the events) and the debug line after them.
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (count_fds(cspy.pid()) < kThreads && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  std::this_thread::sleep_for(300ms);
  const std::size_t fds = count_fds(cspy.pid());
  const std::size_t rings = perf_ring_bytes(cspy.pid());
  // One event per thread and CPU at most, and rings per CPU (4 MiB and a page at most).
  EXPECT_LE(fds, kThreads * online_cpus() + 200);
  EXPECT_LE(rings, online_cpus() * (std::size_t{4} << 20) + online_cpus() * 4096 * 2);
  ASSERT_EQ(::kill(target.pid(), SIGUSR1), 0);
  // The threads burn in turn (~3 s in all); the recording ends once they are done.
  ASSERT_TRUE(target.wait_for_output("burned", 60s));
  std::this_thread::sleep_for(200ms);
  ASSERT_EQ(::kill(cspy.pid(), SIGINT), 0);
  const auto code = cspy.wait(60s);
  const std::string log = cspy.take_output();
  ASSERT_EQ(code, 0) << log;
  EXPECT_NE(log.find(" 0 lost"), std::string::npos) << log;
  // Each thread burned 3 ms of CPU: 2-3 samples at 1 kHz, every one of them sampled.
  std::set<std::string> sampled;
  std::uint64_t samples = 0;
  for (const auto& [stack, n] : parse_folded(read_file(out))) {
    if (stack.find(";pool_work") == std::string::npos) continue;
    sampled.insert(stack.substr(0, stack.find(';')));
    samples += n;
  }
  EXPECT_EQ(sampled.size(), kThreads) << log;
  EXPECT_GE(samples, 2 * kThreads) << log;
  EXPECT_TRUE(target.running());
}

TEST(Scale, ThreadsBornAfterTheAttachAreSampledWithoutNewDescriptors) {
  // 200 threads a second, each spinning 2 ms: two ticks or more each at 1 kHz.
  ChildProcess target({target_binary("threads"), "--idle", "20", "--churn", "200", "--churn-us",
                       "2000", "--seconds", "60"});
  ASSERT_TRUE(target.wait_for_output("ready", 30s));
  const std::string out = make_temp_dir() + "/out.folded";
  ChildProcess cspy(
      {"env", "CSPY_LOG=debug", cspy_binary(), "record", "-p", std::to_string(target.pid()), "-r",
       "1000", "-f", "folded", "-o", out, "-d", "5"},
      Stderr::kMerge);
  ASSERT_TRUE(cspy.wait_for_output("threads attached", 30s)) << cspy.take_output();
  std::this_thread::sleep_for(500ms);
  const double cpu0 = cpu_seconds(target.pid());
  const std::size_t fds0 = count_fds(cspy.pid());
  std::this_thread::sleep_for(3s);
  const double cpu1 = cpu_seconds(target.pid());
  const std::size_t fds1 = count_fds(cspy.pid());
  const auto code = cspy.wait(60s);
  const std::string log = cspy.take_output();
  ASSERT_EQ(code, 0) << log;
  // The recording (~5 s) holds the 3 s timed: at least half of their CPU time is in
  // churn_work (the rest: creating and joining). Found by scanning /proc every 50 ms, as
  // before inheritance, these threads (alive a few ms each) were hardly ever sampled.
  std::uint64_t churn = 0;
  for (const auto& [stack, n] : parse_folded(read_file(out))) {
    if (stack.find("churn_work") != std::string::npos) churn += n;
  }
  const double expected_3s = (cpu1 - cpu0) * 1000.0;
  EXPECT_GT(expected_3s, 300.0) << "the target did not churn";
  EXPECT_GE(static_cast<double>(churn), 0.5 * expected_3s) << log;
  // Short-lived threads cost no descriptors of their own.
  EXPECT_LE(fds1, fds0 + 8) << log;
  EXPECT_TRUE(target.running());
}

// Resident memory of `pid` in KiB (VmRSS), 0 once it is gone.
std::size_t rss_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6));
  }
  return 0;
}

// A shell that forks and execs a short program without pause (~1,000 processes a second),
// followed with --subprocesses: cspy's descriptors and memory stay flat while thousands of
// processes come and go (issue 14), and the shell's own samples are kept.
TEST(Scale, ProcessesForkedAndExecedWithoutPauseKeepDescriptorsAndMemoryFlat) {
  ChildProcess shell({"/bin/sh", "-c", "while :; do /bin/true; done"});
  std::this_thread::sleep_for(200ms);
  const std::string out = make_temp_dir() + "/out.folded";
  ChildProcess cspy({cspy_binary(), "record", "--subprocesses", "-p", std::to_string(shell.pid()),
                     "-r", "200", "-o", out, "-d", "6"},
                    Stderr::kMerge);
  // The most descriptors and memory over a second, at 1.5-2.5 s (attached, debug info of
  // sh, libc and true loaded: the processes found come and go) and at 4.5-5.5 s.
  auto most_over_a_second = [&cspy] {
    std::size_t fds = 0, rss = 0;
    for (int i = 0; i < 5; ++i) {
      std::this_thread::sleep_for(200ms);
      fds = std::max(fds, count_fds(cspy.pid()));
      rss = std::max(rss, rss_kib(cspy.pid()));
    }
    return std::pair{fds, rss};
  };
  std::this_thread::sleep_for(1500ms);
  const auto [fds0, rss0] = most_over_a_second();
  std::this_thread::sleep_for(2s);
  const auto [fds1, rss1] = most_over_a_second();
  const auto code = cspy.wait(60s);
  const std::string log = cspy.take_output();
  ASSERT_EQ(code, 0) << log;
  std::uint64_t shell_samples = 0, all = 0;
  for (const auto& [stack, n] : parse_folded(read_file(out))) {
    all += n;
    if (stack.rfind("sh (" + std::to_string(shell.pid()) + ")", 0) == 0) shell_samples += n;
  }
  // Few samples: the loop's time is mostly the kernel's (fork, exec) and the children's,
  // which live ~1 ms, less than the 50 ms between two looks for new processes.
  EXPECT_GT(all, 0u) << log;
  EXPECT_GT(shell_samples, 0u) << log;
  // Before children never sampled were forgotten: +23 descriptors a second (their roots
  // and files). Since: the same within +-15, RSS within 1 MiB.
  EXPECT_LE(fds1, fds0 + 24) << log;
  EXPECT_LE(rss1, rss0 + 8 * 1024) << "KiB; " << log;
  EXPECT_TRUE(shell.running());
}

}  // namespace
}  // namespace cspy::test
