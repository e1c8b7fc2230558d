// julia and julia1.py: the book's sum, other sizes, threads, --seconds and every build variant.
#include <gtest/gtest.h>

#include <chrono>

#include "test_support.h"

namespace cspy::test {
namespace {

constexpr long long kBookSum = 33219980;
constexpr long long kSum200x100 = 524490;  // julia1.py 200 100 gives the same

class JuliaVariant : public ::testing::TestWithParam<const char*> {};

TEST_P(JuliaVariant, DefaultSizesGiveTheBookSum) {
  const CommandResult result =
      run_command({target_binary(GetParam())}, kCommandTimeout, Stderr::kMerge);
  ASSERT_FALSE(result.timed_out);
  EXPECT_EQ(result.exit_code, 0) << result.out;
  EXPECT_EQ(number_after(result.out, "sum"), kBookSum) << result.out;
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
      run_command({target_binary("julia"), "--width", "200", "--max-iter", "100"}, kCommandTimeout,
                  Stderr::kMerge);
  EXPECT_EQ(result.exit_code, 0) << result.out;
  EXPECT_EQ(number_after(result.out, "sum"), kSum200x100) << result.out;
}

TEST(Julia, TwoThreadsEachGetTheBookSum) {
  const CommandResult result =
      run_command({target_binary("julia"), "--threads", "2"}, kCommandTimeout, Stderr::kMerge);
  EXPECT_EQ(result.exit_code, 0) << result.out;
  EXPECT_EQ(number_after(result.out, "sum"), kBookSum) << result.out;
  EXPECT_EQ(number_after(result.out, "threads"), 2) << result.out;
  EXPECT_EQ(number_after(result.out, "runs"), 2) << result.out;
}

TEST(Julia, SecondsRepeatsTheComputation) {
  const auto start = std::chrono::steady_clock::now();
  const CommandResult result = run_command(
      {target_binary("julia"), "--width", "100", "--max-iter", "50", "--seconds", "0.5"},
      kCommandTimeout, Stderr::kMerge);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(result.exit_code, 0) << result.out;
  EXPECT_GE(elapsed, std::chrono::milliseconds(500));
  EXPECT_GT(number_after(result.out, "runs").value_or(0), 1) << result.out;
}

TEST(Julia, RejectsUnknownOption) {
  const CommandResult result =
      run_command({target_binary("julia"), "--bogus"}, kCommandTimeout, Stderr::kMerge);
  EXPECT_EQ(result.exit_code, 2) << result.out;
}

TEST(Julia, PythonOriginalAgreesWithThePort) {
  CSPY_REQUIRE_TOOL(have_program(kPython), "python3 not found");
  const CommandResult result = run_command({kPython, target_binary("julia1.py"), "200", "100"},
                                           kCommandTimeout, Stderr::kMerge);
  ASSERT_FALSE(result.timed_out);
  EXPECT_EQ(result.exit_code, 0) << result.out;
  EXPECT_NE(result.out.find("Total elements: 40000"), std::string::npos) << result.out;
  EXPECT_EQ(number_after(result.out, "sum"), kSum200x100) << result.out;
}

}  // namespace
}  // namespace cspy::test
