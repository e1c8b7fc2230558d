// Tests that a raw sample file gives back what was written: the PID, the maps in order, lost
// records, the thread names (record type 6) and the rate and start time (type 7).
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <csignal>
#include <filesystem>
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

// Each maps record starts a version in force from the next sample on, with the build-ids
// written after it and those of the version before that it did not replace.
TEST(RawFile, MapsVersionsInOrderWithTheirBuildIds) {
  const std::string path = test::make_test_dir("raw_file_maps_versions") + "/run.raw";
  NullSink sink;
  {
    auto writer = RawFileWriter::create(path, 100, sink);
    ASSERT_TRUE(writer.has_value());
    (*writer)->write_maps("before exec");
    (*writer)->write_build_id(0x1000, "sh");
    (*writer)->write_build_id(0x2000, "libc");
    RawSample s;
    s.pid = 100;
    s.tid = 100;
    (*writer)->on_sample(s);
    (*writer)->on_sample(s);
    (*writer)->write_maps("after exec");
    (*writer)->write_build_id(0x1000, "julia");
    (*writer)->on_sample(s);
    ASSERT_TRUE((*writer)->close().has_value());
  }
  auto read = read_raw_file(path);
  ASSERT_TRUE(read.has_value()) << read.error().message();
  const auto& history = read->own.maps_history;
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].first_sample, 0u);
  EXPECT_EQ(history[0].text, "before exec");
  EXPECT_EQ(history[0].build_ids.at(0x1000), "sh");
  EXPECT_EQ(history[1].first_sample, 2u);
  EXPECT_EQ(history[1].text, "after exec");
  EXPECT_EQ(history[1].build_ids.at(0x1000), "julia");
  EXPECT_EQ(history[1].build_ids.at(0x2000), "libc");
  EXPECT_EQ(read->own.maps, "after exec");
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

std::size_t files_in(const std::string& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

// Until close() the file has a temporary name: a writer dropped unclosed leaves nothing.
TEST(RawFile, NothingUnderTheNameUntilClosed) {
  const std::string dir = test::make_test_dir("raw_file_unclosed");
  NullSink sink;
  {
    auto writer = RawFileWriter::create(dir + "/run.raw", 7, sink);
    ASSERT_TRUE(writer.has_value());
    (*writer)->write_maps("maps");
    EXPECT_FALSE(std::filesystem::exists(dir + "/run.raw"));
  }
  EXPECT_EQ(files_in(dir), 0u);
}

// A write error (a file size limit here, as a full disk) is an error of close(), and no
// truncated file is left (tests/reliability also fills a real tmpfs).
TEST(RawFile, WriteErrorLeavesNoFile) {
  const std::string dir = test::make_test_dir("raw_file_efbig");
  NullSink sink;
  struct rlimit old {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  Result<void> closed;
  {
    auto writer = RawFileWriter::create(dir + "/run.raw", 7, sink);
    ASSERT_TRUE(writer.has_value());
    struct rlimit small = old;
    small.rlim_cur = 4096;
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
    (*writer)->write_maps(std::string(1 << 20, 'm'));
    closed = (*writer)->close();
    ::setrlimit(RLIMIT_FSIZE, &old);
  }
  (void)std::signal(SIGXFSZ, old_handler);
  ASSERT_FALSE(closed.has_value());
  EXPECT_EQ(closed.error().sys_errno(), EFBIG) << closed.error().describe();
  EXPECT_NE(closed.error().message().find(dir + "/run.raw"), std::string::npos);
  EXPECT_EQ(files_in(dir), 0u);
}

// Found by fuzz/raw_file_fuzzer.cpp: an interpreter record of zero words passed a null
// pointer to memcpy (undefined behaviour). It reads as an empty record.
TEST(RawFile, EmptyInterpRecordIsRead) {
  const std::string path =
      std::string(CSPY_SOURCE_DIR) + "/fuzz/corpus/raw_file/regression-empty-interp.raw";
  (void)read_raw_file(path);  // the fuzzer's input: an Error or not, no UB (CI's UBSan build)
  std::string bytes(kRawFileMagic);
  const std::uint32_t pid = 5;
  bytes.append(reinterpret_cast<const char*>(&pid), sizeof pid);
  bytes += '\x01';                         // a sample
  bytes.append(4 + 8 + 1 + 17 * 8, '\0');  // tid, time, flags, registers
  bytes.append(4, '\0');                   // no stack bytes
  bytes += '\x04';                         // its interpreter words:
  bytes.append(4, '\0');                   // none
  const auto* data = reinterpret_cast<const std::uint8_t*>(bytes.data());
  auto rec = parse_raw_file({data, bytes.size()}, "empty-interp");
  ASSERT_TRUE(rec.has_value()) << rec.error().message();
  ASSERT_EQ(rec->samples.size(), 1u);
  EXPECT_TRUE(rec->samples[0].interp_words.empty());
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
