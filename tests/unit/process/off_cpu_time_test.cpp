// The scheduler stamps off_cpu_time reads: parsing /proc/TID/sched and stat, and "now" on
// a CPU's clock measured against this thread's own stamp after a sleep.
#include "cspy/process/off_cpu_time.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <thread>

namespace cspy::process {
namespace {

TEST(OffCpuTime, ParsesExecStart) {
  const std::string text =
      "cat (3703, #threads: 1)\n"
      "-------------------------------------------------------------------\n"
      "se.exec_start                                :        173485.508986\n"
      "se.vruntime                                  :          2209.409193\n";
  EXPECT_EQ(parse_exec_start_ns(text), 173'485'508'986ull);
  EXPECT_EQ(parse_exec_start_ns("se.exec_start : 12\n"), 12'000'000ull);
  EXPECT_FALSE(parse_exec_start_ns("se.vruntime : 1.0\n"));
  EXPECT_FALSE(parse_exec_start_ns("se.exec_start : x\n"));
}

TEST(OffCpuTime, ParsesTheLastCpu) {
  // Field 39 after a comm holding ") " and spaces.
  std::string stat = "42 (a) b c) S";
  for (int field = 4; field <= 38; ++field) stat += " " + std::to_string(field);
  stat += " 7 0 0\n";
  EXPECT_EQ(parse_last_cpu(stat), 7);
  EXPECT_FALSE(parse_last_cpu("42 (a) S 1 2 3\n"));
}

// A thread that sleeps 300 ms: its stamp, read while it sleeps, is ~300 ms older than "now"
// on its CPU read 300 ms later.
TEST(OffCpuTime, MeasuresASleepingThread) {
  std::atomic<pid_t> tid{0};
  std::thread sleeper([&tid] {
    tid = gettid();
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
  });
  while (tid == 0) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto last = read_last_ran(getpid(), tid);
  ASSERT_TRUE(last);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  std::optional<std::uint64_t> now;
  {
    RunQueueClock clock;
    now = clock.now_on(last->cpu);
  }
  sleeper.join();
  ASSERT_TRUE(now);
  ASSERT_GT(*now, last->exec_start_ns);
  const double off = static_cast<double>(*now - last->exec_start_ns) / 1e9;
  EXPECT_GT(off, 0.34);
  EXPECT_LT(off, 0.6);
  EXPECT_FALSE(RunQueueClock().now_on(100000));
}

}  // namespace
}  // namespace cspy::process
