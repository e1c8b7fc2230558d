// hashtable and hashtable.py: every hash finds every key; the bad hash collides far more.
#include <gtest/gtest.h>

#include <string>

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
  const CommandResult result =
      run_command({target_binary("hashtable"), "--hash", c.hash}, kCommandTimeout, Stderr::kMerge);
  ASSERT_FALSE(result.timed_out);
  EXPECT_EQ(result.exit_code, 0) << result.out;
  EXPECT_EQ(number_after(result.out, "lookups"), c.default_keys) << result.out;
  EXPECT_EQ(number_after(result.out, "found"), c.default_keys) << result.out;
}

TEST_P(HashtableHash, FindsEveryKeyWithFewKeys) {
  const CommandResult result =
      run_command({target_binary("hashtable-fp"), "--hash", GetParam().hash, "--keys", "100"},
                  kCommandTimeout, Stderr::kMerge);
  EXPECT_EQ(result.exit_code, 0) << result.out;
  EXPECT_EQ(number_after(result.out, "lookups"), 100) << result.out;
  EXPECT_EQ(number_after(result.out, "found"), 100) << result.out;
}

INSTANTIATE_TEST_SUITE_P(Hashes, HashtableHash,
                         ::testing::Values(HashCase{"good", 20000}, HashCase{"bad", 20000},
                                           HashCase{"twoletter", 676}),
                         [](const auto& test_info) { return std::string(test_info.param.hash); });

TEST(Hashtable, BadHashCollidesFarMoreThanGood) {
  const CommandResult good =
      run_command({target_binary("hashtable"), "--hash", "good"}, kCommandTimeout, Stderr::kMerge);
  const CommandResult bad =
      run_command({target_binary("hashtable"), "--hash", "bad"}, kCommandTimeout, Stderr::kMerge);
  ASSERT_EQ(good.exit_code, 0) << good.out;
  ASSERT_EQ(bad.exit_code, 0) << bad.out;
  const long long good_collisions = number_after(good.out, "collisions").value_or(-1);
  const long long bad_collisions = number_after(bad.out, "collisions").value_or(-1);
  ASSERT_GE(good_collisions, 0) << good.out;
  EXPECT_GT(bad_collisions, 100 * (good_collisions + 1)) << good.out << bad.out;
}

TEST(Hashtable, TwoletterHashIsPerfect) {
  const CommandResult result = run_command({target_binary("hashtable"), "--hash", "twoletter"},
                                           kCommandTimeout, Stderr::kMerge);
  EXPECT_EQ(result.exit_code, 0) << result.out;
  EXPECT_EQ(number_after(result.out, "collisions"), 0) << result.out;
}

TEST(Hashtable, SecondsRepeatsRounds) {
  const CommandResult result =
      run_command({target_binary("hashtable"), "--keys", "1000", "--seconds", "0.3"},
                  kCommandTimeout, Stderr::kMerge);
  EXPECT_EQ(result.exit_code, 0) << result.out;
  const long long rounds = number_after(result.out, "rounds").value_or(0);
  EXPECT_GT(rounds, 1) << result.out;
  EXPECT_EQ(number_after(result.out, "found"), rounds * 1000) << result.out;
}

TEST(Hashtable, RejectsTooManyTwoletterKeys) {
  const CommandResult result =
      run_command({target_binary("hashtable"), "--hash", "twoletter", "--keys", "677"},
                  kCommandTimeout, Stderr::kMerge);
  EXPECT_EQ(result.exit_code, 2) << result.out;
}

TEST(Hashtable, PythonOriginalFindsEveryKey) {
  CSPY_REQUIRE_TOOL(have_program(kPython), "python3 not found");
  const CommandResult result = run_command({kPython, target_binary("hashtable.py"), "2000"},
                                           kCommandTimeout, Stderr::kMerge);
  ASSERT_FALSE(result.timed_out);
  EXPECT_EQ(result.exit_code, 0) << result.out;
  for (const char* hash : {"good", "bad"}) {
    EXPECT_NE(result.out.find(std::string("hash ") + hash + " lookups 2000 found 2000"),
              std::string::npos)
        << result.out;
  }
  EXPECT_NE(result.out.find("hash twoletter lookups 676 found 676"), std::string::npos)
      << result.out;
}

}  // namespace
}  // namespace cspy::test
