// The IntervalWriter: one file per interval pushed, named after its start, the counters
// summed; a file that cannot be written is kept as the first error, the others still go.
#include <gtest/gtest.h>

#include <filesystem>

#include "cspy/continuous/interval_writer.h"
#include "support/test_files.h"

namespace cspy::continuous {
namespace {

constexpr std::uint64_t kSecond = 1'000'000'000ULL;

aggregate::Profile interval(std::uint64_t start_s, int samples) {
  aggregate::Profile p;
  p.info().start_unix_ns = start_s * kSecond;
  p.info().duration_s = 1;
  p.info().rate_hz = 100;
  const aggregate::FrameId f = p.frames().intern(aggregate::Frame{.function = "main"});
  for (int i = 0; i < samples; ++i) p.add_sample(1, std::span(&f, 1), 0);
  return p;
}

TEST(IntervalWriter, WritesOneFilePerInterval) {
  const std::string dir = test::make_temp_dir();
  IntervalWriter writer(IntervalOutput{
      .files = IntervalFiles{.directory = dir, .prefix = "p", .extension = ".folded"},
      .format = output::Format::kFolded});
  writer.push(interval(0, 2));
  writer.push(interval(1, 3));
  writer.finish();
  const WriterStats s = writer.stats();
  EXPECT_EQ(s.intervals, 2u);
  EXPECT_EQ(s.files, 2u);
  EXPECT_EQ(s.totals.samples, 5u);
  EXPECT_FALSE(s.first_error);
  EXPECT_EQ(test::read_file(dir + "/p-19700101T000000Z.folded"), "main 2\n");
  EXPECT_EQ(test::read_file(dir + "/p-19700101T000001Z.folded"), "main 3\n");
  EXPECT_EQ(s.last_path, dir + "/p-19700101T000001Z.folded");
}

TEST(IntervalWriter, AFileThatCannotBeWrittenIsTheFirstError) {
  const std::string dir = test::make_temp_dir();
  IntervalWriter writer(IntervalOutput{
      .files = IntervalFiles{.directory = dir + "/gone", .prefix = "p", .extension = ".pb.gz"}});
  writer.push(interval(0, 1));
  writer.finish();
  const WriterStats s = writer.stats();
  EXPECT_EQ(s.files, 0u);
  ASSERT_TRUE(s.first_error);
  EXPECT_NE(s.first_error->message().find(dir + "/gone/p-19700101T000000Z.pb.gz"),
            std::string::npos)
      << s.first_error->message();
}

}  // namespace
}  // namespace cspy::continuous
