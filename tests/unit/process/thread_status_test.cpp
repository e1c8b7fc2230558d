// thread_status: the state letter found after the last ')' of a stat line (comm may hold
// ") "), the syscall number taken only when the thread is in one, and the names of both.
#include "cspy/process/thread_status.h"

#include <sys/syscall.h>

#include <gtest/gtest.h>

namespace cspy::process {
namespace {

TEST(ThreadStatus, StateFollowsTheLastParenthesis) {
  ThreadStatus st = parse_thread_status("1234 (odd) R (name) S 1 1234 1234 0 -1\n", "");
  EXPECT_EQ(st.state, 'S');
  EXPECT_EQ(st.state_name, "sleeping");
  EXPECT_FALSE(st.syscall.has_value());
  EXPECT_EQ(st.syscall_name, "");
}

TEST(ThreadStatus, UnreadableOrCutStat) {
  EXPECT_EQ(parse_thread_status("", "").state, '?');
  EXPECT_EQ(parse_thread_status("", "").state_name, "unknown");
  EXPECT_EQ(parse_thread_status("1234 (cut)", "").state, '?');
}

TEST(ThreadStatus, SyscallOnlyWhenInOne) {
  const std::string stat = "1 (x) S 0";
  EXPECT_FALSE(parse_thread_status(stat, "running\n").syscall.has_value());
  EXPECT_FALSE(parse_thread_status(stat, "-1 0x7ffc0 0x401000\n").syscall.has_value());
  EXPECT_FALSE(parse_thread_status(stat, "garbage\n").syscall.has_value());
  const std::string in_read =
      std::to_string(SYS_read) + " 0x3 0x7ffc0 0x1 0x0 0x0 0x0 0x7ffb8 0x4011\n";
  ThreadStatus st = parse_thread_status(stat, in_read);
  ASSERT_TRUE(st.syscall.has_value());
  EXPECT_EQ(*st.syscall, SYS_read);
  EXPECT_EQ(st.syscall_name, "read");
}

TEST(ThreadStatus, StateNames) {
  EXPECT_EQ(state_name('R'), "running");
  EXPECT_EQ(state_name('S'), "sleeping");
  EXPECT_EQ(state_name('D'), "disk sleep");
  EXPECT_EQ(state_name('T'), "stopped");
  EXPECT_EQ(state_name('t'), "tracing stop");
  EXPECT_EQ(state_name('Z'), "zombie");
  EXPECT_EQ(state_name('X'), "dead");
  EXPECT_EQ(state_name('I'), "idle");
  EXPECT_EQ(state_name('?'), "unknown");
}

TEST(ThreadStatus, SyscallNames) {
  EXPECT_EQ(syscall_name(SYS_read), "read");
  EXPECT_EQ(syscall_name(SYS_nanosleep), "nanosleep");
  EXPECT_EQ(syscall_name(99999), "syscall 99999");
}

}  // namespace
}  // namespace cspy::process
