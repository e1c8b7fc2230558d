// hashtable and hashtable.py: every hash finds every key; the bad hash collides far more.
#include <gtest/gtest.h>

#include <string>

#include "child_process.h"
#include "test_support.h"

namespace cspy::test {
namespace {

struct HashCase {
  const char* hash;
  long long default_keys;
};

void PrintTo(const HashCase& c, std::ostream* out) { *out << c.hash; }

class HashtableHash : public ::testing::TestWithParam<HashCase> {};

TEST_P(HashtableHash, FindsEveryKey) {
  const HashCase& c = GetParam();
  const CommandResult result = run_command({target_path("hashtable"), "--hash", c.hash});
  ASSERT_FALSE(result.timed_out);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(number_after(result.output, "lookups"), c.default_keys) << result.output;
  EXPECT_EQ(number_after(result.output, "found"), c.default_keys) << result.output;
}

TEST_P(HashtableHash, FindsEveryKeyWithFewKeys) {
  const CommandResult result =
      run_command({target_path("hashtable-fp"), "--hash", GetParam().hash, "--keys", "100"});
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(number_after(result.output, "lookups"), 100) << result.output;
  EXPECT_EQ(number_after(result.output, "found"), 100) << result.output;
}

INSTANTIATE_TEST_SUITE_P(Hashes, HashtableHash,
                         ::testing::Values(HashCase{"good", 20000}, HashCase{"bad", 20000},
                                           HashCase{"twoletter", 676}),
                         [](const auto& test_info) { return std::string(test_info.param.hash); });

TEST(Hashtable, BadHashCollidesFarMoreThanGood) {
  const CommandResult good = run_command({target_path("hashtable"), "--hash", "good"});
  const CommandResult bad = run_command({target_path("hashtable"), "--hash", "bad"});
  ASSERT_EQ(good.exit_code, 0) << good.output;
  ASSERT_EQ(bad.exit_code, 0) << bad.output;
  const long long good_collisions = number_after(good.output, "collisions").value_or(-1);
  const long long bad_collisions = number_after(bad.output, "collisions").value_or(-1);
  ASSERT_GE(good_collisions, 0) << good.output;
  EXPECT_GT(bad_collisions, 100 * (good_collisions + 1)) << good.output << bad.output;
}

TEST(Hashtable, TwoletterHashIsPerfect) {
  const CommandResult result = run_command({target_path("hashtable"), "--hash", "twoletter"});
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(number_after(result.output, "collisions"), 0) << result.output;
}

TEST(Hashtable, SecondsRepeatsRounds) {
  const CommandResult result =
      run_command({target_path("hashtable"), "--keys", "1000", "--seconds", "0.3"});
  EXPECT_EQ(result.exit_code, 0) << result.output;
  const long long rounds = number_after(result.output, "rounds").value_or(0);
  EXPECT_GT(rounds, 1) << result.output;
  EXPECT_EQ(number_after(result.output, "found"), rounds * 1000) << result.output;
}

TEST(Hashtable, RejectsTooManyTwoletterKeys) {
  const CommandResult result =
      run_command({target_path("hashtable"), "--hash", "twoletter", "--keys", "677"});
  EXPECT_EQ(result.exit_code, 2) << result.output;
}

TEST(Hashtable, PythonOriginalFindsEveryKey) {
  if (!tool_available(kPython)) GTEST_SKIP() << "python3 not found";
  const CommandResult result = run_command({kPython, target_path("hashtable.py"), "2000"});
  ASSERT_FALSE(result.timed_out);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  for (const char* hash : {"good", "bad"}) {
    EXPECT_NE(result.output.find(std::string("hash ") + hash + " lookups 2000 found 2000"),
              std::string::npos)
        << result.output;
  }
  EXPECT_NE(result.output.find("hash twoletter lookups 676 found 676"), std::string::npos)
      << result.output;
}

}  // namespace
}  // namespace cspy::test
