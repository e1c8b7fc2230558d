// The strong value types of core: RemoteAddr (target addresses: offsets, distances, order,
// hashing) and TypedId (indices that cannot be mixed between tables); path helpers.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <type_traits>
#include <unordered_set>

#include "cspy/core/path.h"
#include "cspy/core/remote_addr.h"
#include "cspy/core/typed_id.h"

namespace cspy {
namespace {

// Neither is made from a bare integer or a local pointer by accident.
static_assert(!std::is_convertible_v<std::uint64_t, RemoteAddr>);
static_assert(!std::is_constructible_v<RemoteAddr, const void*>);
struct FrameTag {};
struct NodeTag {};
using FrameId = TypedId<FrameTag>;
using NodeId = TypedId<NodeTag>;
static_assert(!std::is_convertible_v<std::uint32_t, FrameId>);
static_assert(!std::is_convertible_v<FrameId, NodeId>);
static_assert(!std::is_constructible_v<NodeId, FrameId>);

TEST(RemoteAddr, NullByDefault) {
  EXPECT_TRUE(RemoteAddr().is_null());
  EXPECT_EQ(RemoteAddr().value(), 0u);
  EXPECT_FALSE(RemoteAddr(1).is_null());
}

TEST(RemoteAddr, OffsetsAndDistances) {
  const RemoteAddr base(0x7f0000001000);
  EXPECT_EQ((base + 0x10).value(), 0x7f0000001010u);
  EXPECT_EQ((base + -0x1000).value(), 0x7f0000000000u);
  EXPECT_EQ((base + 0x30) - base, 0x30);
  EXPECT_EQ(base - (base + 0x30), -0x30);
  // Above 2^63: the distance is still exact.
  const RemoteAddr high(0xffffffffff600000);
  EXPECT_EQ((high + 8) - high, 8);
}

TEST(RemoteAddr, OrderAndHash) {
  const RemoteAddr a(0x1000);
  const RemoteAddr b(0x2000);
  EXPECT_LT(a, b);
  EXPECT_GT(b, a);
  EXPECT_EQ(a, RemoteAddr(0x1000));
  EXPECT_NE(a, b);
  EXPECT_EQ(std::hash<RemoteAddr>()(a), std::hash<RemoteAddr>()(RemoteAddr(0x1000)));
  std::unordered_set<RemoteAddr> set{a, b, RemoteAddr(0x1000)};
  EXPECT_EQ(set.size(), 2u);
}

TEST(TypedId, IndexOrderAndHash) {
  EXPECT_EQ(FrameId().index(), 0u);
  EXPECT_EQ(FrameId(42).index(), 42u);
  EXPECT_LT(FrameId(1), FrameId(2));
  EXPECT_EQ(FrameId(3), FrameId(3));
  EXPECT_NE(FrameId(3), FrameId(4));
  std::unordered_set<FrameId> set{FrameId(1), FrameId(2), FrameId(1)};
  EXPECT_EQ(set.size(), 2u);
  EXPECT_TRUE(set.count(FrameId(2)));
}

static_assert(basename_of("/usr/lib/libc.so.6") == "libc.so.6");

TEST(Path, BasenameIsTheLastComponent) {
  EXPECT_EQ(basename_of("/usr/bin/python3.11"), "python3.11");
  EXPECT_EQ(basename_of("julia1.py"), "julia1.py");
  EXPECT_EQ(basename_of("./a/b.py"), "b.py");
  EXPECT_EQ(basename_of("/dir/"), "");
  EXPECT_EQ(basename_of(""), "");
}

}  // namespace
}  // namespace cspy
