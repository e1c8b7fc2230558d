// Off-CPU time (--idle, --off-cpu): stacks the kernel takes as a thread leaves the CPU,
// weighted by the nanoseconds until it runs again, checked against targets that time
// themselves: chain blocked in nanosleep or read (full stacks without frame pointers),
// duty's compute/sleep split, contend's two threads waiting for one mutex; and the /proc
// fallback where perf_event_paranoid refuses context-switch events.
#include <unistd.h>

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <sstream>

#include "support/child_process.h"
#include "support/test_files.h"

namespace cspy::test {
namespace {

using namespace std::chrono_literals;
using Stacks = std::map<std::string, std::uint64_t>;

// The weight of stacks that contain `chain` (';'-joined frames) and end in `leaf` ("": any).
std::uint64_t weight_of(const Stacks& stacks, const std::string& chain,
                        const std::string& leaf = "") {
  std::uint64_t n = 0;
  for (const auto& [s, w] : stacks) {
    if ((";" + s + ";").find(";" + chain + ";") == std::string::npos) continue;
    if (!leaf.empty() && !s.ends_with(";" + leaf)) continue;
    n += w;
  }
  return n;
}

// "name value" pairs a target printed at its end.
std::uint64_t figure(const std::string& out, const std::string& name) {
  std::istringstream in(out);
  std::string word;
  while (in >> word) {
    if (word != name) continue;
    std::uint64_t v = 0;
    in >> v;
    return v;
  }
  return 0;
}

struct Recorded {
  CommandResult result;
  Stacks stacks;
};

Recorded record(std::vector<std::string> args) {
  const std::string out = make_temp_dir() + "/out.folded";
  std::vector<std::string> argv{cspy_binary(), "record", "-f", "folded", "-o", out};
  argv.insert(argv.end(), args.begin(), args.end());
  Recorded r;
  r.result = run_command(argv, 60s);
  r.stacks = parse_folded(read_file(out));
  return r;
}

class ChainBlocked : public ::testing::TestWithParam<std::pair<std::string, std::string>> {};

TEST_P(ChainBlocked, FullStacksEndInTheSystemCall) {
  const auto& [mode, syscall] = GetParam();
  ChildProcess chain({target_binary("chain"), "--mode", mode});
  ASSERT_TRUE(chain.wait_for_output("ready", 10s));
  Recorded r = record({"--pid", std::to_string(chain.pid()), "--duration", "1.5", "--off-cpu"});
  ASSERT_EQ(r.result.exit_code, 0) << r.result.err;
  EXPECT_EQ(r.result.err.find("polled from /proc"), std::string::npos) << r.result.err;
  const std::uint64_t all = total_samples(r.stacks);
  // One thread blocked throughout: ~1.5 s of off-CPU time, in nanoseconds.
  EXPECT_GT(all, 1'200'000'000u) << r.result.err;
  EXPECT_LT(all, 1'800'000'000u) << r.result.err;
  const std::uint64_t full = weight_of(r.stacks, "main;outer;middle;leaf", syscall);
  EXPECT_GE(static_cast<double>(full), 0.95 * static_cast<double>(all)) << r.result.err;
  EXPECT_EQ(weight_of(r.stacks, "[unknown]"), 0u);
  EXPECT_TRUE(chain.running());
  EXPECT_FALSE(process_is_stopped(chain.pid()));
}

INSTANTIATE_TEST_SUITE_P(OffCpu, ChainBlocked,
                         ::testing::Values(std::pair<std::string, std::string>{"sleep",
                                                                               "clock_nanosleep"},
                                           std::pair<std::string, std::string>{"read", "read"}));

TEST(OffCpu, ComputeSleepSplitWithinTwoPoints) {
  // 60 ms of CPU, 40 ms asleep, for 4 s, launched: on-CPU samples at 100 Hz weigh 10 ms.
  Recorded r = record({"--idle", "--rate", "100", "--", target_binary("duty"), "--seconds", "4"});
  ASSERT_EQ(r.result.exit_code, 0) << r.result.err;
  const double cpu = static_cast<double>(figure(r.result.out, "cpu_ns"));
  const double slept = static_cast<double>(figure(r.result.out, "slept_ns"));
  ASSERT_GT(cpu, 0) << r.result.out;
  ASSERT_GT(slept, 0) << r.result.out;
  const double on = static_cast<double>(weight_of(r.stacks, "main;compute"));
  const double off = static_cast<double>(weight_of(r.stacks, "main;rest", "clock_nanosleep"));
  ASSERT_GT(on + off, 0) << r.result.err;
  EXPECT_NEAR(on / (on + off), cpu / (cpu + slept), 0.02)
      << "on " << on << " off " << off << " cpu " << cpu << " slept " << slept;
  EXPECT_NEAR(off / slept, 1.0, 0.02) << "off " << off << " slept " << slept;
}

TEST(OffCpu, MutexWaitShownUnderFutexWithinThreePoints) {
  Recorded r = record({"--idle", "--", target_binary("contend"), "--seconds", "4"});
  ASSERT_EQ(r.result.exit_code, 0) << r.result.err;
  const double waited = static_cast<double>(figure(r.result.out, "waited_ns"));
  const double cpu = static_cast<double>(figure(r.result.out, "cpu_ns"));
  ASSERT_GT(waited, 0) << r.result.out;
  const double waiting = static_cast<double>(weight_of(r.stacks, "worker;take_lock", "futex"));
  const double workers = static_cast<double>(weight_of(r.stacks, "worker"));
  ASSERT_GT(workers, 0) << r.result.err;
  // The workers' time on CPU or blocked (preempted time is neither, in both figures).
  EXPECT_NEAR(waiting / workers, waited / (waited + cpu), 0.03)
      << "waiting " << waiting << " workers " << workers << " waited " << waited << " cpu " << cpu;
  // The holder is read from the mutex as the sample arrives: named for most of the wait.
  double named = 0;
  for (const auto& [s, w] : r.stacks) {
    if (s.find("take_lock;") != std::string::npos &&
        s.find(";[lock held by thread ") != std::string::npos) {
      named += static_cast<double>(w);
    }
  }
  EXPECT_GE(named, 0.5 * waiting) << "named " << named << " waiting " << waiting;
}

TEST(OffCpu, RawRecordingKeepsTheWeights) {
  const std::string dir = make_temp_dir();
  ChildProcess chain({target_binary("chain"), "--mode", "read"});
  ASSERT_TRUE(chain.wait_for_output("ready", 10s));
  Recorded r = record({"--pid", std::to_string(chain.pid()), "--duration", "1", "--idle", "--raw",
                       dir + "/run.raw"});
  ASSERT_EQ(r.result.exit_code, 0) << r.result.err;
  CommandResult report = run_command(
      {cspy_binary(), "report", "-i", dir + "/run.raw", "-f", "folded", "-o", dir + "/again"}, 60s);
  ASSERT_EQ(report.exit_code, 0) << report.err;
  const Stacks again = parse_folded(read_file(dir + "/again"));
  EXPECT_EQ(weight_of(again, "main;outer;middle;leaf", "read"),
            weight_of(r.stacks, "main;outer;middle;leaf", "read"));
  EXPECT_GT(weight_of(again, "main;outer;middle;leaf", "read"), 500'000'000u);
  // --off-cpu: the same recording, only its off-CPU stacks (all end in a system call).
  CommandResult off = run_command({cspy_binary(), "report", "-i", dir + "/run.raw", "--off-cpu",
                                   "-f", "folded", "-o", dir + "/off"},
                                  60s);
  ASSERT_EQ(off.exit_code, 0) << off.err;
  const Stacks off_stacks = parse_folded(read_file(dir + "/off"));
  EXPECT_EQ(total_samples(off_stacks), weight_of(again, "main;outer;middle;leaf", "read"));
}

// perf_event_paranoid 2 and no capability: blocked threads are polled from /proc, said once.
TEST(OffCpu, UnprivilegedFallsBackToPollingWithANotice) {
  if (::geteuid() != 0) {
    if (in_ci()) FAIL() << "CI runs these tests as root (to set perf_event_paranoid)";
    GTEST_SKIP() << "needs root to set kernel.perf_event_paranoid";
  }
  const std::string setting = "/proc/sys/kernel/perf_event_paranoid";
  const std::string before = read_file(setting);
  ASSERT_FALSE(before.empty());
  ASSERT_TRUE(write_file(setting, "2\n"));
  const std::string setpriv = find_program("setpriv");
  ASSERT_FALSE(setpriv.empty()) << "setpriv (util-linux) is missing";
  const std::vector<std::string> nobody{setpriv, "--reuid=nobody", "--regid=nogroup",
                                        "--clear-groups"};
  std::vector<std::string> target = nobody;
  for (const char* a : {"--mode", "read"}) target.emplace_back(a);
  target.insert(target.begin() + static_cast<std::ptrdiff_t>(nobody.size()),
                target_binary("chain"));
  ChildProcess chain(target);
  const std::string dir = make_temp_dir();
  ::chmod(dir.c_str(), 0777);
  const bool ready = chain.wait_for_output("ready", 10s);
  std::vector<std::string> argv = nobody;
  for (const std::string& a :
       {cspy_binary(), std::string("record"), std::string("--pid"), std::to_string(chain.pid()),
        std::string("--duration"), std::string("1"), std::string("--idle"), std::string("-f"),
        std::string("folded"), std::string("-o"), dir + "/out.folded"}) {
    argv.push_back(a);
  }
  CommandResult r = ready ? run_command(argv, 60s) : CommandResult{};
  write_file(setting, before);  // restored before anything can fail
  ASSERT_TRUE(ready);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("kernel.perf_event_paranoid"), std::string::npos) << r.err;
  const Stacks stacks = parse_folded(read_file(dir + "/out.folded"));
  EXPECT_GT(weight_of(stacks, "leaf", "read"), 0u) << r.err;
}

}  // namespace
}  // namespace cspy::test
