// Result<T> and Error: values and errors in and out (move-only values too), errno captured
// and described, and the CSPY_CHECK that stops a value being taken from an error.
#include "cspy/core/result.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

namespace cspy {
namespace {

struct Point {
  int x = 0;
  int y = 0;
};

Result<int> parse_digit(char c) {
  if (c < '0' || c > '9') return Error(ErrorKind::kBadInput, std::string("not a digit: ") + c);
  return c - '0';
}

TEST(Result, HoldsAValue) {
  Result<int> r = parse_digit('7');
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(static_cast<bool>(r));
  EXPECT_EQ(*r, 7);
  EXPECT_EQ(r.value(), 7);
  *r = 8;
  EXPECT_EQ(*r, 8);
  Result<Point> p = Point{1, 2};
  EXPECT_EQ(p->y, 2);
}

TEST(Result, HoldsAnError) {
  Result<int> r = parse_digit('x');
  ASSERT_FALSE(r.has_value());
  EXPECT_FALSE(static_cast<bool>(r));
  EXPECT_EQ(r.error().kind(), ErrorKind::kBadInput);
  EXPECT_EQ(r.error().message(), "not a digit: x");
  EXPECT_EQ(r.error().sys_errno(), 0);
}

TEST(Result, MovesAMoveOnlyValueOut) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(5);
  ASSERT_TRUE(r);
  std::unique_ptr<int> taken = std::move(r).value();
  ASSERT_NE(taken, nullptr);
  EXPECT_EQ(*taken, 5);
}

TEST(Result, VoidIsOkOrAnError) {
  Result<void> ok;
  EXPECT_TRUE(ok.has_value());
  Result<void> failed = Error(ErrorKind::kPermission, "refused", EPERM);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().kind(), ErrorKind::kPermission);
  EXPECT_EQ(failed.error().sys_errno(), EPERM);
}

TEST(ResultDeathTest, TakingTheWrongAlternativeAborts) {
  Result<int> failed = parse_digit('x');
  EXPECT_DEATH((void)*failed, "CHECK\\(has_value\\(\\)\\) failed");
  Result<int> ok = parse_digit('1');
  EXPECT_DEATH((void)ok.error(), "CHECK\\(!has_value\\(\\)\\) failed");
  Result<void> fine;
  EXPECT_DEATH((void)fine.error(), "CHECK\\(!ok_\\) failed");
}

TEST(Error, DescribeAddsStrerrorOnlyWhenErrnoIsSet) {
  EXPECT_EQ(Error("plain").describe(), "plain");
  EXPECT_EQ(Error("plain").kind(), ErrorKind::kGeneric);
  EXPECT_EQ(Error("open /x", ENOENT).describe(), std::string("open /x: ") + std::strerror(ENOENT));
}

TEST(Error, ErrnoErrorCapturesTheCurrentErrno) {
  errno = EACCES;
  Error generic = errno_error("open /secret");
  EXPECT_EQ(generic.kind(), ErrorKind::kGeneric);
  EXPECT_EQ(generic.sys_errno(), EACCES);
  EXPECT_EQ(generic.message(), "open /secret");
  errno = ESRCH;
  Error kinded = errno_error(ErrorKind::kNoSuchProcess, "kill");
  EXPECT_EQ(kinded.kind(), ErrorKind::kNoSuchProcess);
  EXPECT_EQ(kinded.sys_errno(), ESRCH);
}

}  // namespace
}  // namespace cspy
