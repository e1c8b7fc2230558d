// Tests that a raw sample file gives back what was written: the PID, the last maps, lost
// records, the thread names (record type 6) and the rate and start time (type 7).
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

TEST(RawFile, RoundTripOfRateAndStartTime) {
  const std::string path = test::make_test_dir("raw_file_info") + "/run.raw";
  NullSink sink;
  {
    auto writer = RawFileWriter::create(path, 7, sink);
    ASSERT_TRUE(writer.has_value());
    (*writer)->write_info(997.5, 1'700'000'000'123'456'789ULL);
    ASSERT_TRUE((*writer)->close().has_value());
  }
  auto read = read_raw_file(path);
  ASSERT_TRUE(read.has_value()) << read.error().message();
  EXPECT_EQ(read->rate_hz, 997.5);
  EXPECT_EQ(read->start_unix_ns, 1'700'000'000'123'456'789ULL);
}

TEST(RawFile, OlderFilesHaveNoRate) {
  const std::string path = test::make_test_dir("raw_file_no_info") + "/run.raw";
  NullSink sink;
  {
    auto writer = RawFileWriter::create(path, 7, sink);
    ASSERT_TRUE(writer.has_value());
    (*writer)->write_maps("maps");
    ASSERT_TRUE((*writer)->close().has_value());
  }
  auto read = read_raw_file(path);
  ASSERT_TRUE(read.has_value()) << read.error().message();
  EXPECT_EQ(read->rate_hz, 0.0);
  EXPECT_EQ(read->start_unix_ns, 0u);
}

}  // namespace
}  // namespace cspy::sampling

namespace cspy::sampling {
namespace {

TEST(RawFile, RoundTripOfOffCpuWeightAndSystemCall) {
  const std::string path = test::make_test_dir("raw_file_off_cpu") + "/run.raw";
  NullSink sink;
  {
    auto writer = RawFileWriter::create(path, 7, sink);
    ASSERT_TRUE(writer.has_value());
    RawSample on;
    on.tid = 8;
    (*writer)->on_sample(on);
    RawSample off = on;
    off.idle = true;
    off.off_cpu_ns = 123'456'789;
    off.syscall = 202;
    off.lock_holder = 4321;
    (*writer)->on_sample(off);
    ASSERT_TRUE((*writer)->close().has_value());
  }
  auto read = read_raw_file(path);
  ASSERT_TRUE(read.has_value()) << read.error().message();
  ASSERT_EQ(read->samples.size(), 2u);
  EXPECT_EQ(read->samples[0].sample.off_cpu_ns, 0u);
  EXPECT_EQ(read->samples[0].sample.syscall, -1);
  EXPECT_TRUE(read->samples[1].sample.idle);
  EXPECT_EQ(read->samples[1].sample.off_cpu_ns, 123'456'789u);
  EXPECT_EQ(read->samples[1].sample.syscall, 202);
  EXPECT_EQ(read->samples[1].sample.lock_holder, 4321);
}

}  // namespace
}  // namespace cspy::sampling
