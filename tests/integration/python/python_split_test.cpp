// The Python shares of a known split (py_split.py: 10/30/60% of CPU time by
// construction) at 100 Hz and 1 kHz. Alone on the machine (SERIAL): sampling accuracy.
#include <gtest/gtest.h>

#include "python_support.h"
#include "support/test_files.h"

namespace cspy::test {
namespace {

class PythonSplit : public ::testing::TestWithParam<Python> {};

// The ptrace sampler (the reference: it reads while the thread is stopped) is checked on
// one version, to keep the suite's time down.
TEST_P(PythonSplit, KnownSplitShares) {
  const Python& python = GetParam();
  std::vector<std::string> samplers = {"perf_event"};
  if (python.name.starts_with("3_12")) samplers.emplace_back("ptrace");
  for (const std::string& sampler : samplers) {
    // ptrace: fewer samples per second on a busy machine (its stops take CPU time from the
    // target too), so a longer run.
    const char* slow = sampler == "ptrace" ? "12" : "8";
    for (const auto& [rate, seconds] : {std::pair{"100", slow}, std::pair{"1000", "3"}}) {
      ChildProcess split = start_ready(python, {target_binary("py_split.py"), "30"});
      std::string log;
      const auto stacks = record(split.pid(), {"-d", seconds, "-r", rate, "--sampler", sampler},
                                 sampler == "perf_event", log);
      const double all = static_cast<double>(total_samples(stacks));
      ASSERT_GE(all, 200) << log;
      auto share = [&](const char* f) {
        return 100.0 * static_cast<double>(count_matching(stacks, std::string(";") + f + ";")) /
               all;
      };
      const std::string at = sampler + " at " + rate + " Hz\n" + log;
      // Both samplers count CPU time (ptrace samples a runnable thread once it has used an
      // interval of CPU time, not at every wall-clock tick it spent waiting for a CPU).
      EXPECT_NEAR(share("one_tenth"), 10, 2) << at;
      EXPECT_NEAR(share("three_tenths"), 30, 2) << at;
      EXPECT_NEAR(share("six_tenths"), 60, 2) << at;
      const double changed = 100.0 * static_cast<double>(count_matching(stacks, "[python:")) / all;
      if (std::string(rate) == "100") {
        EXPECT_LE(changed, 1.0) << log;
      }
      RecordProperty(sampler + "_changed_pct_" + rate + "hz", std::to_string(changed));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Interpreters, PythonSplit, ::testing::ValuesIn(interpreters()),
                         python_name);

}  // namespace
}  // namespace cspy::test
