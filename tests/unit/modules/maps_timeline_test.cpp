// MapsTimeline: the maps in force at a time, from a base read and the kernel's timed
// mapping and exec records after it (in any order), as /proc/PID/maps text.
#include <gtest/gtest.h>

#include "cspy/modules/maps_timeline.h"

namespace cspy::modules {
namespace {

const char* kBase =
    "1000-3000 r--p 00000000 08:01 11 /bin/dash\n"
    "3000-5000 r-xp 00002000 08:01 11 /bin/dash\n"
    "7000-9000 r-xp 00000000 08:01 22 /lib/libc.so.6\n";

Mapping file_mapping(std::uint64_t start, std::uint64_t end, std::uint64_t offset,
                     const std::string& path) {
  return Mapping{.start = start,
                 .end = end,
                 .offset = offset,
                 .perms = "r-xp",
                 .path = path,
                 .device = "08:01",
                 .inode = 33};
}

TEST(MapsTimeline, BeforeAnyRecordTheBase) {
  MapsTimeline t(100, kBase);
  EXPECT_EQ(t.text_at(50), kBase);
  EXPECT_EQ(t.text_at(1000), kBase);
  EXPECT_EQ(t.version_at(50), t.version_at(1000));
}

TEST(MapsTimeline, AMappingReplacesWhatItOverlaps) {
  MapsTimeline t(100, kBase);
  t.add_mapping(200, file_mapping(0x2000, 0x4000, 0, "/lib/libx.so"));
  EXPECT_EQ(t.text_at(199), kBase);
  EXPECT_NE(t.version_at(199), t.version_at(200));
  EXPECT_EQ(t.text_at(200),
            "1000-2000 r--p 00000000 08:01 11 /bin/dash\n"
            "2000-4000 r-xp 00000000 08:01 33 /lib/libx.so\n"
            "4000-5000 r-xp 00003000 08:01 11 /bin/dash\n"
            "7000-9000 r-xp 00000000 08:01 22 /lib/libc.so.6\n");
}

// An exec at 300 with the new image's mappings after it, the records arriving out of
// order (rings per CPU): before 300 the old image, after it the new one only.
TEST(MapsTimeline, AnExecSwitchesImagesAtItsTime) {
  MapsTimeline t(100, kBase);
  t.add_mapping(310, file_mapping(0xa000, 0xb000, 0, "/bin/julia"));
  t.add_exec(300);
  t.add_mapping(320, file_mapping(0xc000, 0xd000, 0, "/lib/libc.so.6"));
  EXPECT_EQ(t.text_at(299), kBase);
  EXPECT_EQ(t.text_at(305), "");
  EXPECT_EQ(t.text_at(400),
            "a000-b000 r-xp 00000000 08:01 33 /bin/julia\n"
            "c000-d000 r-xp 00000000 08:01 33 /lib/libc.so.6\n");
}

// A base read after the exec already holds the new image: records up to its time are in it.
TEST(MapsTimeline, RecordsBeforeTheBaseAreInIt) {
  MapsTimeline t(500, kBase);
  t.add_exec(300);
  t.add_mapping(400, file_mapping(0xa000, 0xb000, 0, "/bin/julia"));
  EXPECT_EQ(t.text_at(600), kBase);
  EXPECT_EQ(t.records(), 0u);
}

TEST(MapsTimeline, ForgettingKeepsTheVersionsAfter) {
  MapsTimeline t(100, kBase);
  t.add_mapping(200, file_mapping(0x2000, 0x4000, 0, "/lib/libx.so"));
  t.add_exec(300);
  const std::string at_250 = t.text_at(250);
  const std::uint64_t v250 = t.version_at(250);
  const std::uint64_t v300 = t.version_at(300);
  t.forget_before(250);
  EXPECT_EQ(t.records(), 1u);
  EXPECT_EQ(t.text_at(250), at_250);
  EXPECT_EQ(t.text_at(100), at_250);  // older than what is kept: the oldest version kept
  EXPECT_EQ(t.version_at(250), v250);
  EXPECT_EQ(t.version_at(300), v300);
  EXPECT_EQ(t.text_at(300), "");
}

}  // namespace
}  // namespace cspy::modules
