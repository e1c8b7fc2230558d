// UniqueFd: the fd it owns is closed exactly when ownership ends (destruction, reset, a
// move-assignment over it) and never when it is moved on, released, self-assigned or reset
// to itself.
#include "cspy/core/unique_fd.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <utility>

namespace cspy {
namespace {

bool is_open(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

// Both ends of a fresh pipe, each owned.
struct Pipe {
  UniqueFd read;
  UniqueFd write;
};

Pipe make_pipe() {
  int fds[2] = {-1, -1};
  EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

TEST(UniqueFd, DefaultOwnsNothing) {
  UniqueFd fd;
  EXPECT_FALSE(fd.valid());
  EXPECT_EQ(fd.get(), -1);
}

TEST(UniqueFd, DestructorCloses) {
  int raw = -1;
  {
    Pipe p = make_pipe();
    raw = p.read.get();
    EXPECT_TRUE(p.read.valid());
    EXPECT_TRUE(is_open(raw));
  }
  EXPECT_FALSE(is_open(raw));
}

TEST(UniqueFd, MoveConstructionHandsOwnershipOver) {
  Pipe p = make_pipe();
  const int raw = p.read.get();
  UniqueFd moved(std::move(p.read));
  EXPECT_EQ(moved.get(), raw);
  EXPECT_FALSE(p.read.valid());  // NOLINT(bugprone-use-after-move): moved-from owns nothing
  EXPECT_TRUE(is_open(raw));
}

TEST(UniqueFd, MoveAssignmentClosesTheReplacedFd) {
  Pipe p = make_pipe();
  const int kept = p.read.get();
  const int replaced = p.write.get();
  p.write = std::move(p.read);
  EXPECT_EQ(p.write.get(), kept);
  EXPECT_FALSE(p.read.valid());  // NOLINT(bugprone-use-after-move): moved-from owns nothing
  EXPECT_TRUE(is_open(kept));
  EXPECT_FALSE(is_open(replaced));
}

TEST(UniqueFd, SelfMoveAssignmentKeepsTheFd) {
  Pipe p = make_pipe();
  const int raw = p.read.get();
  UniqueFd& same = p.read;
  p.read = std::move(same);
  EXPECT_EQ(p.read.get(), raw);
  EXPECT_TRUE(is_open(raw));
}

TEST(UniqueFd, ReleaseGivesUpOwnershipWithoutClosing) {
  int raw = -1;
  {
    Pipe p = make_pipe();
    raw = p.read.release();
    EXPECT_FALSE(p.read.valid());
  }
  EXPECT_TRUE(is_open(raw));
  ::close(raw);
}

TEST(UniqueFd, ResetClosesTheOldFdAndTakesTheNewOne) {
  Pipe p = make_pipe();
  const int old_fd = p.read.get();
  const int new_fd = p.write.release();
  p.read.reset(new_fd);
  EXPECT_FALSE(is_open(old_fd));
  EXPECT_EQ(p.read.get(), new_fd);
  EXPECT_TRUE(is_open(new_fd));
  p.read.reset();
  EXPECT_FALSE(p.read.valid());
  EXPECT_FALSE(is_open(new_fd));
}

TEST(UniqueFd, ResetToTheOwnedFdKeepsItOpen) {
  Pipe p = make_pipe();
  const int raw = p.read.get();
  p.read.reset(raw);
  EXPECT_EQ(p.read.get(), raw);
  EXPECT_TRUE(is_open(raw));
}

}  // namespace
}  // namespace cspy
