// IdleSampler on a live chain process whose threads sleep: one sample per blocked thread
// per tick due, the ticks' own timestamps, the thread's real sp and stack; no sample for
// a thread on a CPU.
#include <gtest/gtest.h>

#include <map>
#include <thread>
#include <vector>

#include "cspy/core/clock.h"
#include "cspy/sampling/idle_sampler.h"
#include "support/child_process.h"
#include "support/test_files.h"

namespace cspy::sampling {
namespace {

using namespace std::chrono_literals;

struct Collect : SampleSink {
  std::vector<RawSample> samples;
  void on_sample(const RawSample& s) override {
    samples.push_back(s);
    samples.back().stack = {};  // the bytes belong to the sampler
    EXPECT_FALSE(s.stack.empty());
  }
  void on_lost(pid_t, std::uint64_t) override { ADD_FAILURE() << "no losses here"; }
};

TEST(IdleSampler, EveryDueTickOfEveryBlockedThread) {
  test::ChildProcess chain({test::target_binary("chain"), "--mode", "read", "--threads", "2"});
  ASSERT_TRUE(chain.wait_for_output("ready", 10s));
  std::this_thread::sleep_for(200ms);  // "ready" comes just before read()
  auto process = process::Process::open(chain.pid());
  ASSERT_TRUE(process) << process.error().describe();
  IdleSampler sampler(*process, 100, 16384);  // a tick every 10 ms
  Collect sink;
  const std::uint64_t start = monotonic_ns();
  std::size_t delivered = sampler.poll(sink, start);
  EXPECT_EQ(delivered, sink.samples.size());
  sink.samples.clear();
  // 50 ms later: ticks at +10 .. +50 ms are due, one sweep serves them all.
  delivered = sampler.poll(sink, start + 50'000'000);
  EXPECT_EQ(delivered, sink.samples.size());
  std::map<pid_t, std::vector<std::uint64_t>> by_thread;
  for (const RawSample& s : sink.samples) {
    EXPECT_TRUE(s.idle);
    EXPECT_TRUE(s.has_regs);
    EXPECT_NE(s.regs.sp(), 0u);
    by_thread[s.tid].push_back(s.time_ns);
  }
  // The main thread waits in nanosleep, the two others in read(): all blocked.
  EXPECT_EQ(by_thread.size(), 3u);
  for (const auto& [tid, times] : by_thread) {
    ASSERT_EQ(times.size(), 5u) << tid;
    for (std::size_t i = 0; i < times.size(); ++i)
      EXPECT_EQ(times[i], start + (i + 1) * 10'000'000) << tid;
  }
  // Nothing is due again at the same moment.
  sink.samples.clear();
  EXPECT_EQ(sampler.poll(sink, start + 50'000'000), 0u);
  EXPECT_TRUE(sink.samples.empty());
}

TEST(IdleSampler, SpinningThreadsAreLeftToTheCpuSampler) {
  test::ChildProcess chain({test::target_binary("chain"), "--mode", "spin"});
  ASSERT_TRUE(chain.wait_for_output("ready", 10s));
  auto process = process::Process::open(chain.pid());
  ASSERT_TRUE(process) << process.error().describe();
  IdleSampler sampler(*process, 100, 16384);
  Collect sink;
  const std::uint64_t start = monotonic_ns();
  sampler.poll(sink, start);
  sampler.poll(sink, start + 30'000'000);
  EXPECT_TRUE(sink.samples.empty());
}

}  // namespace
}  // namespace cspy::sampling
