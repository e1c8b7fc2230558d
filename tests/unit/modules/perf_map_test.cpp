// PerfMap: /tmp/perf-PID.map lines, read as the file grows, newest code winning.
#include "cspy/modules/perf_map.h"

#include <gtest/gtest.h>

#include <fstream>

#include "support/test_files.h"

namespace cspy::modules {
namespace {

std::string name_or_none(PerfMap& map, std::uint64_t pc) {
  const std::string* name = map.name_at(pc);
  return name == nullptr ? "(none)" : *name;
}

TEST(PerfMap, NamesAddressRangesWithSpacesInNames) {
  PerfMap map = PerfMap::from_text(
      "7f0000001000 40 JS:*innerHotLoop /tmp/jit/hot.js:2:22\n"
      "0x7f0000002000 0x10 LazyCompile:~outer hot.js:5\n"
      "not a line\n"
      "7f0000003000 0 empty\n");
  EXPECT_EQ(map.size(), 2u);
  EXPECT_EQ(name_or_none(map, 0x7f0000001000), "JS:*innerHotLoop /tmp/jit/hot.js:2:22");
  EXPECT_EQ(name_or_none(map, 0x7f000000103f), "JS:*innerHotLoop /tmp/jit/hot.js:2:22");
  EXPECT_EQ(name_or_none(map, 0x7f0000001040), "(none)");
  EXPECT_EQ(name_or_none(map, 0x7f0000002008), "LazyCompile:~outer hot.js:5");
  EXPECT_EQ(name_or_none(map, 0x7f0000000fff), "(none)");
  EXPECT_EQ(name_or_none(map, 0x7f0000003000), "(none)");
}

TEST(PerfMap, NewerCodeAtTheSameAddressesWins) {
  PerfMap map = PerfMap::from_text(
      "1000 100 old_a\n"
      "1100 100 old_b\n"
      "2000 100 kept\n"
      "1080 100 new\n");  // overlaps both old ones
  EXPECT_EQ(name_or_none(map, 0x1000), "(none)");
  EXPECT_EQ(name_or_none(map, 0x1090), "new");
  EXPECT_EQ(name_or_none(map, 0x1170), "new");
  EXPECT_EQ(name_or_none(map, 0x1190), "(none)");
  EXPECT_EQ(name_or_none(map, 0x2010), "kept");
}

TEST(PerfMap, ReadsWhatTheJitAppendsAndWaitsForAWholeLine) {
  const std::string path = test::make_temp_dir() + "/perf-1.map";
  std::ofstream out(path);
  out << "1000 10 first\n2000 10 sec" << std::flush;  // the JIT is mid-line
  PerfMap map(path);
  EXPECT_EQ(name_or_none(map, 0x1004), "first");
  EXPECT_EQ(name_or_none(map, 0x2004), "(none)");
  out << "ond\n3000 10 third\n" << std::flush;
  // A miss re-reads the file at most every 20 ms; text() reads at once.
  EXPECT_EQ(map.text(), "1000 10 first\n2000 10 second\n3000 10 third\n");
  EXPECT_EQ(name_or_none(map, 0x2004), "second");
  EXPECT_EQ(name_or_none(map, 0x3004), "third");
}

TEST(PerfMap, NoFileNamesNothing) {
  PerfMap map(test::make_temp_dir() + "/perf-does-not-exist.map");
  EXPECT_EQ(name_or_none(map, 0x1000), "(none)");
  EXPECT_TRUE(map.text().empty());
}

}  // namespace
}  // namespace cspy::modules
