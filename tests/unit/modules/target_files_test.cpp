// TargetFiles and build-ids: a running program's files found through its root, checked
// against the build-id in its memory; a replaced or deleted file found through map_files;
// a recording's files checked against the build-ids it kept.
#include "cspy/modules/target_files.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <thread>

#include "cspy/modules/elf_file.h"
#include "cspy/process/process.h"
#include "support/child_process.h"
#include "support/test_files.h"

namespace cspy::modules {
namespace {

using namespace std::chrono_literals;
using test::ChildProcess;

// The first mapping (file offset 0) of `path` in process `pid`.
Mapping first_mapping(pid_t pid, const std::string& path) {
  auto maps = process::read_text_file("/proc/" + std::to_string(pid) + "/maps");
  if (!maps) return {};
  for (const Mapping& m : parse_maps(*maps)) {
    if (m.offset == 0 && m.path == path) return m;
  }
  return {};
}

// The first mapping of `path` once the program has mapped it (up to 10 s).
Mapping wait_for_mapping(pid_t pid, const std::string& path) {
  for (int i = 0; i < 1000; ++i) {
    const Mapping m = first_mapping(pid, path);
    if (m.start != 0) return m;
    std::this_thread::sleep_for(10ms);
  }
  return {};
}

// A copy of julia that a test may replace or delete while it runs.
std::string julia_copy() {
  const std::string path = test::make_temp_dir() + "/julia";
  std::filesystem::copy_file(test::target_binary("julia"), path);
  std::filesystem::permissions(path, std::filesystem::perms::owner_all);
  return path;
}

TEST(BuildId, InMemoryIsTheFilesOwn) {
  ChildProcess julia({test::target_binary("julia"), "--seconds", "30"});
  const std::string path = std::filesystem::canonical(test::target_binary("julia"));
  const Mapping m = wait_for_mapping(julia.pid(), path);
  ASSERT_NE(m.start, 0u);
  const std::string in_file = file_build_id(path);
  ASSERT_EQ(in_file.size(), 20u);  // SHA-1, as ld --build-id makes it
  EXPECT_EQ(to_hex(build_id_in_memory(julia.pid(), m.start)), to_hex(in_file));
  EXPECT_EQ(build_id_in_memory(julia.pid(), m.start + 4096), "");  // no ELF header there
}

TEST(TargetFiles, OpensThroughTheTargetsRoot) {
  ChildProcess julia({test::target_binary("julia"), "--seconds", "30"});
  const std::string path = std::filesystem::canonical(test::target_binary("julia"));
  const Mapping m = wait_for_mapping(julia.pid(), path);
  ASSERT_NE(m.start, 0u);
  auto files = TargetFiles::live(julia.pid());
  auto opened = files->open(path, m.start, m.end);
  ASSERT_TRUE(opened.has_value());
  // Through the target's root, held open (/proc/self/fd/N): the same directory as
  // /proc/PID/root.
  ASSERT_TRUE(opened->path.starts_with("/proc/self/fd/")) << opened->path;
  ASSERT_TRUE(opened->path.ends_with(path)) << opened->path;
  struct stat through_fd {};
  struct stat through_pid {};
  const std::string root = opened->path.substr(0, opened->path.size() - path.size());
  ASSERT_EQ(::stat(root.c_str(), &through_fd), 0);
  ASSERT_EQ(::stat(("/proc/" + std::to_string(julia.pid()) + "/root").c_str(), &through_pid), 0);
  EXPECT_EQ(through_fd.st_ino, through_pid.st_ino);
  EXPECT_EQ(through_fd.st_dev, through_pid.st_dev);
  EXPECT_TRUE(files->take_notices().empty());
}

// Samples are named after they are taken: a target that exited meanwhile still has its
// files opened through its root, checked against the build-ids read while it lived.
TEST(TargetFiles, OpensAfterTheTargetExited) {
  ChildProcess julia({test::target_binary("julia"), "--seconds", "30"});
  const std::string path = std::filesystem::canonical(test::target_binary("julia"));
  const Mapping m = wait_for_mapping(julia.pid(), path);
  ASSERT_NE(m.start, 0u);
  auto files = TargetFiles::live(julia.pid());
  files->remember_build_ids({m});
  julia.kill_and_reap();
  ASSERT_FALSE(std::filesystem::exists("/proc/" + std::to_string(julia.pid()) + "/root/"));
  EXPECT_EQ(to_hex(files->expected_build_id(m.start)), to_hex(file_build_id(path)));
  auto opened = files->open(path, m.start, m.end);
  ASSERT_TRUE(opened.has_value());
  EXPECT_TRUE(files->take_notices().empty());
}

TEST(TargetFiles, AReplacedFileIsNotUsedButTheMappedOneIs) {
  const std::string path = julia_copy();
  ChildProcess julia({path, "--seconds", "30"});
  const Mapping m = wait_for_mapping(julia.pid(), path);
  ASSERT_NE(m.start, 0u);
  // Another program now at the same path (a new file, as an upgrade installs one).
  std::filesystem::remove(path);
  std::filesystem::copy_file(test::target_binary("chain"), path);
  const std::string name = path + " (deleted)";
  EXPECT_EQ(first_mapping(julia.pid(), name).start, m.start);

  auto files = TargetFiles::live(julia.pid());
  auto opened = files->open(name, m.start, m.end);
  ASSERT_TRUE(opened.has_value());
  EXPECT_NE(opened->path.find("/map_files/"), std::string::npos) << opened->path;
  EXPECT_EQ(to_hex(file_build_id(opened->path)),
            to_hex(file_build_id(test::target_binary("julia"))));
  auto notices = files->take_notices();
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_NE(notices[0].find("is not the one the process has mapped"), std::string::npos)
      << notices[0];
  // Said once per module.
  (void)files->open(name, m.start, m.end);
  EXPECT_TRUE(files->take_notices().empty());
}

TEST(TargetFiles, ADeletedFileIsReadThroughMapFilesQuietly) {
  const std::string path = julia_copy();
  ChildProcess julia({path, "--seconds", "30"});
  const Mapping m = wait_for_mapping(julia.pid(), path);
  std::filesystem::remove(path);
  auto files = TargetFiles::live(julia.pid());
  auto opened = files->open(path + " (deleted)", m.start, m.end);
  ASSERT_TRUE(opened.has_value());
  EXPECT_NE(opened->path.find("/map_files/"), std::string::npos) << opened->path;
  EXPECT_TRUE(files->take_notices().empty());
}

TEST(TargetFiles, ARecordingsFilesAreCheckedAgainstItsBuildIds) {
  const std::string julia = test::target_binary("julia");
  const std::string id = file_build_id(julia);
  auto right = TargetFiles::recorded({{0x1000, id}});
  EXPECT_TRUE(right->open(julia, 0x1000, 0x2000).has_value());
  EXPECT_TRUE(right->take_notices().empty());

  auto wrong = TargetFiles::recorded({{0x1000, file_build_id(test::target_binary("chain"))}});
  EXPECT_FALSE(wrong->open(julia, 0x1000, 0x2000).has_value());
  auto notices = wrong->take_notices();
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_NE(notices[0].find("--map-path"), std::string::npos) << notices[0];

  // Recordings from before build-ids were kept: used unchecked.
  auto unchecked = TargetFiles::recorded({});
  EXPECT_TRUE(unchecked->open(julia, 0x1000, 0x2000).has_value());
}

}  // namespace
}  // namespace cspy::modules
