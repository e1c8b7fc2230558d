// Continuous recording's file names: UTC stamps, directories and NAME.EXT patterns.
#include <gtest/gtest.h>

#include "cspy/continuous/interval_files.h"
#include "support/test_files.h"

namespace cspy::continuous {
namespace {

TEST(IntervalFiles, StampsAreUtcToTheSecond) {
  // 2026-12-02 17:00:00 UTC, and 0.999 s later.
  EXPECT_EQ(utc_stamp(1796230800ULL * 1'000'000'000ULL), "20261202T170000Z");
  EXPECT_EQ(utc_stamp(1796230800ULL * 1'000'000'000ULL + 999'999'999ULL), "20261202T170000Z");
  EXPECT_EQ(utc_stamp(0), "19700101T000000Z");
}

TEST(IntervalFiles, ADirectoryGetsTheDefaultNames) {
  const IntervalFiles files = interval_files_from("out/", "cspy-julia-12", ".pb.gz");
  EXPECT_EQ(interval_path(files, 1796230800ULL * 1'000'000'000ULL),
            "out/cspy-julia-12-20261202T170000Z.pb.gz");
  const std::string dir = test::make_temp_dir();  // exists: no '/' needed
  EXPECT_EQ(interval_path(interval_files_from(dir, "p", ".svg"), 0),
            dir + "/p-19700101T000000Z.svg");
}

TEST(IntervalFiles, ANameKeepsItsExtensionAfterTheStamp) {
  EXPECT_EQ(interval_path(interval_files_from("d/app.pb.gz", "x", ".json"), 0),
            "d/app-19700101T000000Z.pb.gz");
  EXPECT_EQ(interval_path(interval_files_from("app.speedscope.json", "x", ".pb.gz"), 0),
            "app-19700101T000000Z.speedscope.json");
  EXPECT_EQ(interval_path(interval_files_from("d/app.svg", "x", ".pb.gz"), 0),
            "d/app-19700101T000000Z.svg");
  EXPECT_EQ(interval_path(interval_files_from("d/app", "x", ".pb.gz"), 0),
            "d/app-19700101T000000Z.pb.gz");
}

}  // namespace
}  // namespace cspy::continuous
