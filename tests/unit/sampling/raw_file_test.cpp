// Tests that a raw sample file gives back what was written: the PID, the last maps, lost
// records, the thread names (record type 6) and the rate and start time (type 7).
#include <gtest/gtest.h>

#include <map>
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
  EXPECT_EQ(read->own.maps, "last");
  const std::vector<std::pair<pid_t, std::uint64_t>> lost{{4243, 7}};
  EXPECT_EQ(read->lost, lost);
  const std::vector<std::pair<pid_t, std::string>> names{{4242, "main"}, {4243, "worker 2"}};
  EXPECT_EQ(read->thread_names, names);
}

// --subprocesses: samples and per-process records after a process record are that
// process's; before the first, the header's.
TEST(RawFile, RoundTripOfSeveralProcesses) {
  const std::string path = test::make_test_dir("raw_file_processes") + "/run.raw";
  NullSink sink;
  {
    auto writer = RawFileWriter::create(path, 100, sink);
    ASSERT_TRUE(writer.has_value());
    (*writer)->write_maps("maps of 100");
    RawSample s;
    s.pid = 100;
    s.tid = 100;
    (*writer)->on_sample(s);
    s.pid = 200;  // selects process 200 by itself
    s.tid = 201;
    (*writer)->on_sample(s);
    (*writer)->write_maps("maps of 200");
    (*writer)->write_perf_map("jit of 200");
    (*writer)->select_process(100);
    (*writer)->write_build_id(0x1000, "id100");
    (*writer)->write_process_name(100, "sh");
    (*writer)->write_process_name(200, "julia");
    ASSERT_TRUE((*writer)->close().has_value());
  }
  auto read = read_raw_file(path);
  ASSERT_TRUE(read.has_value()) << read.error().message();
  ASSERT_EQ(read->samples.size(), 2u);
  EXPECT_EQ(read->samples[0].sample.pid, 100);
  EXPECT_EQ(read->samples[1].sample.pid, 200);
  EXPECT_EQ(read->samples[1].sample.tid, 201);
  EXPECT_EQ(read->own.maps, "maps of 100");
  EXPECT_EQ(read->own.build_ids.at(0x1000), "id100");
  ASSERT_EQ(read->children.count(200), 1u);
  EXPECT_EQ(read->children.at(200).maps, "maps of 200");
  EXPECT_EQ(read->children.at(200).perf_map, "jit of 200");
  const std::map<pid_t, std::string> names{{100, "sh"}, {200, "julia"}};
  EXPECT_EQ(read->process_names, names);
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
