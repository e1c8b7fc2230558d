// Tests that MappedFile owns exactly one mapping through moves: a move hands it over, a
// move-assignment unmaps the mapping it replaces, a self-move keeps it, and the last
// owner unmaps it (mincore() tells whether an address is still mapped).
#include <sys/mman.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstddef>
#include <utility>
#include <vector>

#include "cspy/sampling/raw_file.h"

namespace cspy::sampling {
namespace {

std::size_t page_size() { return static_cast<std::size_t>(::sysconf(_SC_PAGESIZE)); }

// A fresh anonymous mapping of two pages, handed to a MappedFile.
MappedFile map_pages() {
  void* p = ::mmap(nullptr, 2 * page_size(), PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  EXPECT_NE(p, MAP_FAILED);
  return p == MAP_FAILED ? MappedFile() : MappedFile(p, 2 * page_size());
}

bool is_mapped(const void* addr, std::size_t size) {
  std::vector<unsigned char> pages((size + page_size() - 1) / page_size());
  if (::mincore(const_cast<void*>(addr), size, pages.data()) == 0) return true;
  EXPECT_EQ(errno, ENOMEM);
  return false;
}

TEST(MappedFile, DestructorUnmaps) {
  const std::uint8_t* data = nullptr;
  {
    MappedFile f = map_pages();
    data = f.data();
    ASSERT_NE(data, nullptr);
    EXPECT_TRUE(is_mapped(data, f.size()));
  }
  EXPECT_FALSE(is_mapped(data, 2 * page_size()));
}

TEST(MappedFile, MoveConstructionHandsTheMappingOver) {
  MappedFile a = map_pages();
  const std::uint8_t* data = a.data();
  MappedFile b(std::move(a));
  EXPECT_EQ(b.data(), data);
  EXPECT_EQ(b.size(), 2 * page_size());
  // NOLINTNEXTLINE(bugprone-use-after-move,clang-analyzer-cplusplus.Move): moved-from is empty
  EXPECT_EQ(a.data(), nullptr);
  EXPECT_EQ(a.size(), 0u);  // NOLINT(clang-analyzer-cplusplus.Move)
  EXPECT_TRUE(is_mapped(data, b.size()));
}

TEST(MappedFile, MoveAssignmentUnmapsTheReplacedMapping) {
  MappedFile a = map_pages();
  MappedFile b = map_pages();
  const std::uint8_t* kept = a.data();
  const std::uint8_t* replaced = b.data();
  b = std::move(a);
  EXPECT_EQ(b.data(), kept);
  // NOLINTNEXTLINE(bugprone-use-after-move,clang-analyzer-cplusplus.Move): moved-from is empty
  EXPECT_EQ(a.data(), nullptr);
  EXPECT_EQ(a.size(), 0u);  // NOLINT(clang-analyzer-cplusplus.Move)
  EXPECT_TRUE(is_mapped(kept, b.size()));
  EXPECT_FALSE(is_mapped(replaced, 2 * page_size()));
}

TEST(MappedFile, MoveAssignmentIntoAnEmptyOne) {
  MappedFile a = map_pages();
  MappedFile b;
  const std::uint8_t* data = a.data();
  b = std::move(a);
  EXPECT_EQ(b.data(), data);
  EXPECT_TRUE(is_mapped(data, b.size()));
}

TEST(MappedFile, SelfMoveAssignmentKeepsTheMapping) {
  MappedFile a = map_pages();
  const std::uint8_t* data = a.data();
  MappedFile& same = a;
  a = std::move(same);
  EXPECT_EQ(a.data(), data);
  EXPECT_EQ(a.size(), 2 * page_size());
  EXPECT_TRUE(is_mapped(data, a.size()));
}

}  // namespace
}  // namespace cspy::sampling
