// The rest of core: the clocks (monotonic, in step with the standard clocks), CSPY_CHECK
// (aborts naming the condition, in release builds too) and the stderr log lines.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <thread>

#include "cspy/core/check.h"
#include "cspy/core/clock.h"
#include "cspy/core/log.h"

namespace cspy {
namespace {

using namespace std::chrono_literals;

std::int64_t ns_since_epoch(std::chrono::time_point<std::chrono::system_clock> t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

TEST(Clock, MonotonicNeverGoesBack) {
  std::uint64_t last = monotonic_ns();
  for (int i = 0; i < 10000; ++i) {
    const std::uint64_t now = monotonic_ns();
    ASSERT_GE(now, last);
    last = now;
  }
}

TEST(Clock, MonotonicCountsNanoseconds) {
  const std::uint64_t before = monotonic_ns();
  std::this_thread::sleep_for(20ms);
  const std::uint64_t elapsed = monotonic_ns() - before;
  EXPECT_GE(elapsed, 20'000'000u);
  EXPECT_LT(elapsed, 10'000'000'000u);
  // The same clock as steady_clock (both CLOCK_MONOTONIC on Linux).
  const auto steady = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count();
  EXPECT_LT(std::abs(static_cast<std::int64_t>(monotonic_ns()) - steady), 1'000'000'000);
}

TEST(Clock, RealtimeIsTheWallClock) {
  const auto system = ns_since_epoch(std::chrono::system_clock::now());
  EXPECT_LT(std::abs(static_cast<std::int64_t>(realtime_ns()) - system), 1'000'000'000);
}

TEST(CheckDeathTest, FailedCheckAbortsNamingTheCondition) {
  CSPY_CHECK(1 + 1 == 2);  // a holding invariant does nothing
  EXPECT_DEATH(CSPY_CHECK(1 + 1 == 3),
               "internal error: CHECK\\(1 \\+ 1 == 3\\) failed at .*clock_check_log_test.cpp");
}

TEST(LogDeathTest, WarningsAlwaysDebugOnlyWithCspyLogDebug) {
  // Each in a fresh process: debug_enabled() reads CSPY_LOG once.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        log::warn("low on {}", "memory");
        std::exit(0);
      },
      ::testing::ExitedWithCode(0), "cspy: warning: low on memory");
  EXPECT_EXIT(
      {
        ::setenv("CSPY_LOG", "debug", 1);
        log::debug("step {}", 3);
        std::exit(0);
      },
      ::testing::ExitedWithCode(0), "cspy: debug: step 3");
  EXPECT_EXIT(
      {
        ::unsetenv("CSPY_LOG");
        log::debug("hidden");
        log::warn("shown");
        std::exit(0);
      },
      ::testing::ExitedWithCode(0), "^cspy: warning: shown\n$");
}

}  // namespace
}  // namespace cspy
