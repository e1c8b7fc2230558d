// julia and julia1.py: the book's sum, other sizes, threads, --seconds and every build variant.
#include <gtest/gtest.h>

#include <chrono>

#include "child_process.h"
#include "test_support.h"

namespace cspy::test {
namespace {

constexpr long long kBookSum = 33219980;
constexpr long long kSum200x100 = 524490;  // julia1.py 200 100 gives the same

class JuliaVariant : public ::testing::TestWithParam<const char*> {};

TEST_P(JuliaVariant, DefaultSizesGiveTheBookSum) {
  const CommandResult result = run_command({target_path(GetParam())});
  ASSERT_FALSE(result.timed_out);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(number_after(result.output, "sum"), kBookSum) << result.output;
}

INSTANTIATE_TEST_SUITE_P(Variants, JuliaVariant,
                         ::testing::Values("julia", "julia-fp", "julia-nopie", "julia-stripped"),
                         [](const auto& test_info) {
                           std::string name = test_info.param;
                           for (char& c : name) c = (c == '-') ? '_' : c;
                           return name;
                         });

TEST(Julia, SmallerSizeGivesAnotherSumAndSucceeds) {
  const CommandResult result =
      run_command({target_path("julia"), "--width", "200", "--max-iter", "100"});
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(number_after(result.output, "sum"), kSum200x100) << result.output;
}

TEST(Julia, TwoThreadsEachGetTheBookSum) {
  const CommandResult result = run_command({target_path("julia"), "--threads", "2"});
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(number_after(result.output, "sum"), kBookSum) << result.output;
  EXPECT_EQ(number_after(result.output, "threads"), 2) << result.output;
  EXPECT_EQ(number_after(result.output, "runs"), 2) << result.output;
}

TEST(Julia, SecondsRepeatsTheComputation) {
  const auto start = std::chrono::steady_clock::now();
  const CommandResult result =
      run_command({target_path("julia"), "--width", "100", "--max-iter", "50", "--seconds", "0.5"});
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_GE(elapsed, std::chrono::milliseconds(500));
  EXPECT_GT(number_after(result.output, "runs").value_or(0), 1) << result.output;
}

TEST(Julia, RejectsUnknownOption) {
  const CommandResult result = run_command({target_path("julia"), "--bogus"});
  EXPECT_EQ(result.exit_code, 2) << result.output;
}

TEST(Julia, PythonOriginalAgreesWithThePort) {
  if (!tool_available(kPython)) GTEST_SKIP() << "python3 not found";
  const CommandResult result = run_command({kPython, target_path("julia1.py"), "200", "100"});
  ASSERT_FALSE(result.timed_out);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("Total elements: 40000"), std::string::npos) << result.output;
  EXPECT_EQ(number_after(result.output, "sum"), kSum200x100) << result.output;
}

}  // namespace
}  // namespace cspy::test
