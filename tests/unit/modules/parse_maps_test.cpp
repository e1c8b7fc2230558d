// parse_maps: /proc/PID/maps text (live, or from a raw file, so outside data) into
// mappings; lines that are no mapping are skipped. Cases found by fuzz/maps_fuzzer.cpp
// are kept here and in fuzz/corpus/maps/regression-*.
#include <gtest/gtest.h>

#include "cspy/modules/elf_file.h"
#include "support/test_files.h"

namespace cspy::modules {
namespace {

TEST(ParseMaps, FieldsOfALine) {
  auto maps = parse_maps(
      "55d000000000-55d000001000 r-xp 00002000 08:01 123   /usr/bin/my prog\n"
      "7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0\n");
  ASSERT_EQ(maps.size(), 2u);
  EXPECT_EQ(maps[0].start, 0x55d000000000u);
  EXPECT_EQ(maps[0].end, 0x55d000001000u);
  EXPECT_EQ(maps[0].offset, 0x2000u);
  EXPECT_EQ(maps[0].perms, "r-xp");
  EXPECT_EQ(maps[0].path, "/usr/bin/my prog");
  EXPECT_EQ(maps[1].path, "");
}

// Found by the fuzzer: a line whose end is before its start was a mapping of negative
// size. No such line is a mapping.
TEST(ParseMaps, EndBeforeStartIsNoMapping) {
  EXPECT_TRUE(parse_maps("2000-1000 r-xp 00000000 00:00 0 /x\n").empty());
  EXPECT_TRUE(parse_maps("1000-1000 r-xp 00000000 00:00 0 /x\n").empty());
  const std::string found = test::read_file(std::string(CSPY_SOURCE_DIR) +
                                            "/fuzz/corpus/maps/regression-end-before-start.maps");
  ASSERT_FALSE(found.empty());
  for (const Mapping& m : parse_maps(found)) EXPECT_LT(m.start, m.end);
}

TEST(ParseMaps, GarbageIsSkipped) {
  EXPECT_TRUE(parse_maps("").empty());
  EXPECT_TRUE(parse_maps("not a map\n\n-\nzz-yy\n").empty());
}

}  // namespace
}  // namespace cspy::modules
