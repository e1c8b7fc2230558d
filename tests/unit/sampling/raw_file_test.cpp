// Tests that a raw sample file gives back what was written: the PID, the last maps, lost
// records and the thread names (record type 4).
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "cspy/sampling/raw_file.h"
#include "support/test_files.h"

namespace cspy::sampling {
namespace {

struct NullSink final : SampleSink {
  void on_sample(const RawSample&) override {}
  void on_lost(pid_t, std::uint64_t) override {}
};

TEST(RawFile, RoundTripOfMapsLostAndThreadNames) {
  const std::string path = test::make_test_dir("raw_file_round_trip") + "/run.raw";
  NullSink sink;
  {
    auto writer = RawFileWriter::create(path, 4242, sink);
    ASSERT_TRUE(writer.has_value());
    (*writer)->write_maps("first");
    (*writer)->on_lost(4243, 7);
    (*writer)->write_maps("last");
    (*writer)->write_thread_name(4242, "main");
    (*writer)->write_thread_name(4243, "worker 2");
    ASSERT_TRUE((*writer)->close().has_value());
  }
  auto read = read_raw_file(path);
  ASSERT_TRUE(read.has_value()) << read.error().message();
  EXPECT_EQ(read->pid, 4242);
  EXPECT_EQ(read->maps, "last");
  const std::vector<std::pair<pid_t, std::uint64_t>> lost{{4243, 7}};
  EXPECT_EQ(read->lost, lost);
  const std::vector<std::pair<pid_t, std::string>> names{{4242, "main"}, {4243, "worker 2"}};
  EXPECT_EQ(read->thread_names, names);
}

}  // namespace
}  // namespace cspy::sampling
