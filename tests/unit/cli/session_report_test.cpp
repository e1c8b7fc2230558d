// The closing summary and the no-samples hint of `cspy record`, made from RunFigures: the
// rate per thread with the number of threads ("1 thread", "4 threads"), and which hint an
// empty recording gets (a recording too short for the rate, or threads off the CPU); unwind
// failures inside JIT code said apart.
#include "session_report.h"

#include <gtest/gtest.h>

#include <string>

namespace cspy::cli {
namespace {

RunFigures figures(std::uint64_t samples, double seconds, std::size_t threads) {
  RunFigures f;
  f.counters.samples = samples;
  f.seconds = seconds;
  f.threads = threads;
  f.sampler = "perf_event";
  f.rate_hz = 100;
  return f;
}

TEST(SummaryLine, RatePerThreadAndTheThreadCount) {
  RunFigures one = figures(812, 8.12, 1);
  one.counters.lost = 2;
  one.counters.unwind_failures = 8;
  one.counters.truncated = 1;
  EXPECT_EQ(summary_line(one),
            "cspy: 812 samples in 8.12 s (100.0/s per thread, 1 thread), 2 lost, 1.0% unwind "
            "failures, 1 truncated, sampler perf_event");
  EXPECT_NE(summary_line(figures(2000, 5, 4)).find("(100.0/s per thread, 4 threads)"),
            std::string::npos)
      << summary_line(figures(2000, 5, 4));
  EXPECT_NE(summary_line(figures(0, 1, 0)).find("(0.0/s per thread, 0 threads)"),
            std::string::npos);
}

// Stacks that ended in JIT code are said apart, and only when there are some.
TEST(SummaryLine, UnwindFailuresInJitCodeSaidApart) {
  RunFigures jit = figures(1000, 10, 1);
  jit.counters.unwind_failures = 30;
  jit.counters.unwind_failures_in_jit = 20;
  EXPECT_NE(summary_line(jit).find("3.0% unwind failures (2.0% in JIT code), 0 truncated"),
            std::string::npos)
      << summary_line(jit);
}

TEST(NoSamplesHint, NoneWhenThereAreSamples) { EXPECT_EQ(no_samples_hint(figures(1, 1, 1)), ""); }

TEST(NoSamplesHint, IdleTargetIsToldAboutIdle) {
  const std::string hint = no_samples_hint(figures(0, 2, 1));
  EXPECT_NE(hint.find("cspy: hint: no samples"), std::string::npos) << hint;
  EXPECT_NE(hint.find("--idle"), std::string::npos) << hint;
  RunFigures idle = figures(0, 2, 1);
  idle.idle = true;
  EXPECT_EQ(no_samples_hint(idle), "") << "--idle was given already";
}

TEST(NoSamplesHint, TargetWithChildProcessesIsToldTheyAreNotSampled) {
  RunFigures waiting = figures(0, 2, 1);
  waiting.child_processes = 1;
  const std::string hint = no_samples_hint(waiting);
  EXPECT_NE(hint.find("it has 1 child process, which cspy does not sample"), std::string::npos)
      << hint;
  EXPECT_NE(hint.find("--idle"), std::string::npos) << hint;
  waiting.child_processes = 2;
  waiting.idle = true;
  EXPECT_NE(no_samples_hint(waiting).find("2 child processes"), std::string::npos);
  EXPECT_EQ(no_samples_hint(waiting).find("--idle"), std::string::npos);
}

TEST(NoSamplesHint, ShortRecordingIsToldAboutTheRate) {
  const std::string hint = no_samples_hint(figures(0, 0.005, 1));
  EXPECT_NE(hint.find("less than two sampling intervals at 100 Hz"), std::string::npos) << hint;
  EXPECT_EQ(hint.find("--idle"), std::string::npos) << hint;
}

}  // namespace
}  // namespace cspy::cli
