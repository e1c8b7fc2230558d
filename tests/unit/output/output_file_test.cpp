// Tests for write_file_atomically: content, permissions, no leftovers, errors.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <csignal>
#include <filesystem>
#include <stdexcept>

#include "cspy/output/output_file.h"
#include "test_support.h"

namespace cspy::output {
namespace {

using namespace testing;

std::size_t files_in(const std::string& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

TEST(OutputFile, WritesAndReplacesAtomically) {
  std::string dir = make_test_dir("output_file_ok");
  std::string path = dir + "/out.svg";
  write_file(path, "old");
  Result<void> r =
      write_file_atomically(path, [](std::ostream& o) { o << std::string(200'000, 'x') << "end"; });
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(read_file(path), std::string(200'000, 'x') + "end");
  EXPECT_EQ(files_in(dir), 1u);  // no temporary file left
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  mode_t mask = ::umask(022);
  ::umask(mask);
  EXPECT_EQ(st.st_mode & 0777, 0666 & ~mask);
}

TEST(OutputFile, DevicesAreWrittenInPlaceNeverReplaced) {
  // Renaming a temporary file over /dev/null once turned it into a regular file.
  struct stat before {};
  ASSERT_EQ(::stat("/dev/null", &before), 0);
  ASSERT_TRUE(S_ISCHR(before.st_mode));
  Result<void> r = write_file_atomically("/dev/null", [](std::ostream& o) { o << "discarded"; });
  ASSERT_TRUE(r) << r.error().describe();
  struct stat after {};
  ASSERT_EQ(::stat("/dev/null", &after), 0);
  EXPECT_TRUE(S_ISCHR(after.st_mode));
  EXPECT_EQ(after.st_rdev, before.st_rdev);
  EXPECT_EQ(after.st_mode & 0777, before.st_mode & 0777);
  EXPECT_FALSE(std::filesystem::exists("/dev/null.tmp"));
}

TEST(OutputFile, SymlinkIsFollowedAndKept) {
  std::string dir = make_test_dir("output_file_symlink");
  write_file(dir + "/target.svg", "old");
  std::filesystem::create_symlink("target.svg", dir + "/link.svg");
  Result<void> r = write_file_atomically(dir + "/link.svg", [](std::ostream& o) { o << "new"; });
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_TRUE(std::filesystem::is_symlink(dir + "/link.svg"));
  EXPECT_EQ(read_file(dir + "/target.svg"), "new");
  EXPECT_EQ(files_in(dir), 2u);
}

TEST(OutputFile, ExceptionLeavesOldFileAndNoTemporary) {
  std::string dir = make_test_dir("output_file_throw");
  std::string path = dir + "/out.json";
  write_file(path, "old");
  Result<void> r = write_file_atomically(path, [](std::ostream& o) {
    o << "partial";
    throw std::runtime_error("writer failed");
  });
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find(path), std::string::npos);
  EXPECT_NE(r.error().message().find("writer failed"), std::string::npos);
  EXPECT_EQ(read_file(path), "old");
  EXPECT_EQ(files_in(dir), 1u);
}

TEST(OutputFile, StreamErrorIsAnError) {
  std::string dir = make_test_dir("output_file_badbit");
  std::string path = dir + "/out.folded";
  Result<void> r =
      write_file_atomically(path, [](std::ostream& o) { o.setstate(std::ios::badbit); });
  ASSERT_FALSE(r);
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_EQ(files_in(dir), 0u);
}

TEST(OutputFile, MissingDirectoryNamesPathAndErrno) {
  std::string path = make_test_dir("output_file_missing") + "/no/such/dir/out.svg";
  Result<void> r = write_file_atomically(path, [](std::ostream& o) { o << "x"; });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().sys_errno(), ENOENT);
  EXPECT_NE(r.error().describe().find(path), std::string::npos);
}

TEST(OutputFile, WriteErrorReportsErrnoAndCleansUp) {
  // A file size limit makes write(2) fail with EFBIG (SIGXFSZ ignored), like a full disk.
  std::string dir = make_test_dir("output_file_efbig");
  std::string path = dir + "/out.svg";
  struct rlimit old {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = old;
  small.rlim_cur = 4096;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  Result<void> r =
      write_file_atomically(path, [](std::ostream& o) { o << std::string(1 << 20, 'x'); });
  ::setrlimit(RLIMIT_FSIZE, &old);
  (void)std::signal(SIGXFSZ, old_handler);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().sys_errno(), EFBIG);
  EXPECT_NE(r.error().message().find(path), std::string::npos);
  EXPECT_EQ(files_in(dir), 0u);
}

TEST(OutputFile, CannotReplaceADirectory) {
  std::string dir = make_test_dir("output_file_isdir");
  std::filesystem::create_directory(dir + "/target");
  Result<void> r = write_file_atomically(dir + "/target", [](std::ostream& o) { o << "x"; });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().sys_errno(), EISDIR);
  EXPECT_EQ(files_in(dir), 1u);
}

// check_writable: what a recording's -o is checked for before anything is sampled.
TEST(OutputFile, CheckWritableBeforeRecording) {
  std::string dir = make_test_dir("output_file_check");
  EXPECT_TRUE(check_writable(dir + "/new.svg"));
  EXPECT_EQ(files_in(dir), 0u) << "the probe file is removed";
  write_file(dir + "/old.svg", "old");
  EXPECT_TRUE(check_writable(dir + "/old.svg"));
  EXPECT_EQ(read_file(dir + "/old.svg"), "old");
  EXPECT_TRUE(check_writable("/dev/null"));

  Result<void> missing = check_writable(dir + "/no/such/out.svg");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().sys_errno(), ENOENT);
  EXPECT_NE(missing.error().message().find(dir + "/no/such/out.svg"), std::string::npos);

  std::filesystem::create_directory(dir + "/sub");
  Result<void> is_dir = check_writable(dir + "/sub");
  ASSERT_FALSE(is_dir);
  EXPECT_EQ(is_dir.error().sys_errno(), EISDIR);
}

// A dangling link is refused, before recording and when writing: neither the link is
// replaced by a file nor the file it names created.
TEST(OutputFile, DanglingSymlinkIsRefusedAndKept) {
  std::string dir = make_test_dir("output_file_dangling");
  std::filesystem::create_symlink("missing/target.svg", dir + "/link.svg");
  Result<void> checked = check_writable(dir + "/link.svg");
  ASSERT_FALSE(checked);
  EXPECT_NE(checked.error().message().find("symbolic link to missing/target.svg"),
            std::string::npos)
      << checked.error().message();
  Result<void> r = write_file_atomically(dir + "/link.svg", [](std::ostream& o) { o << "x"; });
  ASSERT_FALSE(r);
  EXPECT_TRUE(std::filesystem::is_symlink(dir + "/link.svg"));
  EXPECT_EQ(files_in(dir), 1u);
}

}  // namespace
}  // namespace cspy::output
