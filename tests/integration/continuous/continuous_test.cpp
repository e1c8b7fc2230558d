// Continuous recording (record --every) of the julia target: one pprof per interval whose
// time_nanos/duration_nanos abut exactly and whose samples add up to the run's total (each
// file read by `go tool pprof -raw` too); uploads to ingest_receiver.py, a loopback stand-in
// for Pyroscope that checks every request against the documented ingest API and saves its
// body; and a receiver stopped for a while: sampling goes on, every interval is delivered
// late or counted dropped, one warning, no crash.
#include <gtest/gtest.h>
#include <signal.h>
#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "profile.pb.h"
#include "support/child_process.h"
#include "support/test_files.h"

namespace cspy::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::string gunzip(const std::string& in) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  std::string out;
  char chunk[65536];
  int status = Z_OK;
  while (status == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(chunk);
    z.avail_out = sizeof(chunk);
    status = inflate(&z, Z_NO_FLUSH);
    out.append(chunk, sizeof(chunk) - z.avail_out);
  }
  inflateEnd(&z);
  EXPECT_EQ(status, Z_STREAM_END);
  return out;
}

struct Interval {
  std::string path;
  std::int64_t time_nanos = 0;
  std::int64_t duration_nanos = 0;
  std::uint64_t samples = 0;  // the samples/count column
};

Interval decode(const std::string& path) {
  pprof::Profile p;
  EXPECT_TRUE(p.ParseFromString(gunzip(read_file(path)))) << path;
  Interval i{.path = path, .time_nanos = p.time_nanos(), .duration_nanos = p.duration_nanos()};
  for (const auto& s : p.sample()) i.samples += static_cast<std::uint64_t>(s.value(0));
  return i;
}

// The files in `dir` whose names start with `prefix`, in name (= time) order.
std::vector<std::string> files_in(const std::string& dir, const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().filename().string().rfind(prefix, 0) == 0) out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The total of cspy's summary line, "cspy: N samples in ...".
std::uint64_t summary_total(const std::string& err) {
  std::smatch m;
  static const std::regex line(R"(cspy: ([0-9]+) samples in )");
  if (!std::regex_search(err, m, line)) return 0;
  return std::stoull(m[1]);
}

class Continuous : public ::testing::Test {
 protected:
  void SetUp() override {
    CSPY_REQUIRE_TOOL(have_program("go"), "go is not installed (Debian: golang-go)");
    CSPY_REQUIRE_TOOL(have_program("python3"), "python3 is not installed");
    dir_ = make_temp_dir();
    julia_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{target_binary("julia"), "--seconds", "60"}, Stderr::kDiscard);
    ASSERT_TRUE(julia_->started());
    std::this_thread::sleep_for(300ms);
  }
  void TearDown() override {
    if (julia_) julia_->kill_and_reap();
  }

  std::string path(const std::string& name) const { return dir_ + "/" + name; }

  // A receiver writing into DIR/received; its port.
  int start_receiver(int port = 0) {
    receiver_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{
            "python3",
            std::string(CSPY_SOURCE_DIR) + "/tests/integration/continuous/ingest_receiver.py",
            "--dir", path("received"), "--port", std::to_string(port)},
        Stderr::kSeparate);
    auto line = receiver_->read_line(10s);
    EXPECT_TRUE(line && line->rfind("listening ", 0) == 0) << receiver_->error_output();
    return line ? std::stoi(line->substr(10)) : 0;
  }

  std::vector<std::string> record_args(const std::vector<std::string>& more) const {
    std::vector<std::string> argv{cspy_binary(), "record", "--pid", std::to_string(julia_->pid()),
                                  "--rate",      "100"};
    argv.insert(argv.end(), more.begin(), more.end());
    return argv;
  }

  // `go tool pprof -raw FILE`'s samples/count total, offline.
  std::uint64_t go_raw_total(const std::string& file) const {
    CommandResult r = run_command(
        {"env", "HOME=" + path("go-home"), "GOCACHE=" + path("go-cache"),
         "GOPATH=" + path("go-path"), "GOPROXY=off", "GOFLAGS=", "PPROF_TMPDIR=" + path("go-home"),
         "go", "tool", "pprof", "-raw", file},
        60s);
    EXPECT_EQ(r.exit_code, 0) << file << ": " << r.err;
    return pprof_raw_sample_total(r.out);
  }

  // The intervals written to DIR/files, checked to abut; their samples' sum.
  std::uint64_t check_files(std::size_t expected_files) {
    const std::string prefix = "cspy-julia-" + std::to_string(julia_->pid()) + "-";
    const auto names = files_in(path("files"), prefix);
    EXPECT_EQ(names.size(), expected_files);
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < names.size(); ++i) {
      EXPECT_TRUE(names[i].ends_with("Z.pb.gz")) << names[i];
      const Interval now = decode(names[i]);
      sum += now.samples;
      EXPECT_GT(now.duration_nanos, 0) << names[i];
      if (i + 1 < names.size()) {
        const Interval next = decode(names[i + 1]);
        EXPECT_EQ(now.time_nanos + now.duration_nanos, next.time_nanos)
            << "no gap or overlap between " << names[i] << " and " << names[i + 1];
        EXPECT_EQ(now.duration_nanos, 1'000'000'000) << names[i];
      }
    }
    return sum;
  }

  std::string dir_;
  std::unique_ptr<ChildProcess> julia_;
  std::unique_ptr<ChildProcess> receiver_;
};

TEST_F(Continuous, FilesAbutAndTheirSamplesAddUpToTheTotal) {
  CommandResult r = run_command(
      record_args({"--duration", "6", "--every", "1s", "-o", path("files") + "/"}), 60s);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::uint64_t total = summary_total(r.err);
  // ~600 at 100 Hz for 6 s of a busy thread, fewer on a loaded machine (CPU time).
  ASSERT_GE(total, 60u) << r.err;
  EXPECT_EQ(check_files(6), total) << r.err;
  EXPECT_NE(r.err.find("cspy: wrote 6 profiles to " + path("files") + "/"), std::string::npos)
      << r.err;
  std::uint64_t go_total = 0;
  for (const auto& f : files_in(path("files"), "cspy-")) go_total += go_raw_total(f);
  EXPECT_EQ(go_total, total);
}

TEST_F(Continuous, CtrlCWritesTheLastPartialInterval) {
  ChildProcess cspy(record_args({"--every", "1s", "-o", path("files") + "/"}), Stderr::kSeparate);
  ASSERT_TRUE(cspy.started());
  std::this_thread::sleep_for(2500ms);
  ASSERT_EQ(::kill(cspy.pid(), SIGINT), 0);
  auto code = cspy.wait(30s);
  ASSERT_TRUE(code.has_value());
  ASSERT_EQ(*code, 0) << cspy.error_output();
  const auto names = files_in(path("files"), "cspy-julia-");
  ASSERT_EQ(names.size(), 3u) << cspy.error_output();
  const Interval last = decode(names.back());
  EXPECT_GT(last.duration_nanos, 0);
  EXPECT_LT(last.duration_nanos, 1'000'000'000) << "partial";
  EXPECT_EQ(check_files(3), summary_total(cspy.error_output()));
}

TEST_F(Continuous, EndsWithTheTarget) {
  julia_->kill_and_reap();
  julia_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{target_binary("julia"), "--seconds", "2.5"}, Stderr::kDiscard);
  CommandResult r = run_command(record_args({"--every", "1s", "-o", path("files") + "/"}), 30s);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("the target exited"), std::string::npos) << r.err;
  const auto names = files_in(path("files"), "cspy-julia-");
  EXPECT_GE(names.size(), 2u) << r.err;
  EXPECT_LE(names.size(), 3u) << r.err;
  std::uint64_t sum = 0;
  for (const auto& n : names) sum += decode(n).samples;
  EXPECT_EQ(sum, summary_total(r.err));
}

TEST_F(Continuous, UploadsEveryIntervalAsTheIngestApiSays) {
  const int port = start_receiver();
  ASSERT_GT(port, 0);
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  CommandResult r = run_command(
      record_args({"--duration", "4", "--every", "1s", "-o", path("files") + "/", "--upload", url,
                   "--app-name", "julia-app", "--tag", "env=test", "--tag", "zone=a"}),
      60s);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::uint64_t total = summary_total(r.err);
  EXPECT_EQ(check_files(4), total);
  EXPECT_NE(r.err.find("cspy: uploaded 4 intervals to " + url + " (0 after retries), 0 dropped"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(path("received/violations.txt")))
      << read_file(path("received/violations.txt"));
  const std::string log = read_file(path("received/requests.jsonl"));
  std::istringstream lines(log);
  std::vector<std::string> requests;
  for (std::string line; std::getline(lines, line);) requests.push_back(line);
  ASSERT_EQ(requests.size(), 4u) << log;
  std::uint64_t received = 0;
  std::string last_until;
  const std::regex field(R"re("(from|until|file|app|sampleRate|format)": "([^"]*)")re");
  for (const std::string& request : requests) {
    EXPECT_NE(request.find(R"("tags": ["env=test", "zone=a"])"), std::string::npos) << request;
    std::map<std::string, std::string> f;
    for (std::sregex_iterator it(request.begin(), request.end(), field), end; it != end; ++it) {
      f[(*it)[1]] = (*it)[2];
    }
    EXPECT_EQ(f["app"], "julia-app");
    EXPECT_EQ(f["sampleRate"], "100");
    EXPECT_EQ(f["format"], "pprof");
    if (!last_until.empty()) {
      EXPECT_EQ(f["from"], last_until) << "intervals abut";
    }
    last_until = f["until"];
    received += go_raw_total(path("received/" + f["file"]));
  }
  EXPECT_EQ(received, total);

  // Folded stacks: format=folded, the text as the body.
  CommandResult folded = run_command(
      record_args({"--duration", "2", "--every", "1s", "-f", "folded", "--upload", url}), 60s);
  ASSERT_EQ(folded.exit_code, 0) << folded.err;
  EXPECT_NE(folded.err.find("uploaded 2 intervals"), std::string::npos) << folded.err;
  EXPECT_FALSE(fs::exists(path("received/violations.txt")));
  EXPECT_EQ(files_in(path("received"), "0006-").size(), 1u);
  EXPECT_TRUE(files_in(path("received"), "0006-")[0].ends_with(".folded"));
}

TEST_F(Continuous, ASilentServerNeitherStopsSamplingNorLosesCount) {
  const int port = start_receiver();
  ASSERT_GT(port, 0);
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  ChildProcess cspy(
      record_args({"--duration", "9", "--every", "1s", "-o", path("files") + "/", "--upload", url}),
      Stderr::kSeparate);
  ASSERT_TRUE(cspy.started());
  std::this_thread::sleep_for(2500ms);
  receiver_->kill_and_reap();  // down from 2.5 s to 5.5 s
  std::this_thread::sleep_for(3s);
  ASSERT_EQ(start_receiver(port), port);
  auto code = cspy.wait(60s);
  ASSERT_TRUE(code.has_value()) << "cspy did not end";
  const std::string err = cspy.error_output();
  ASSERT_EQ(*code, 0) << err;
  const std::uint64_t total = summary_total(err);
  EXPECT_EQ(check_files(9), total) << "sampling went on: " << err;
  std::cerr << err;  // the counts, for the log
  const std::regex warning("cspy: warning: cannot upload to ");
  EXPECT_EQ(
      std::distance(std::sregex_iterator(err.begin(), err.end(), warning), std::sregex_iterator()),
      1)
      << err;
  std::smatch m;
  const std::regex counts(
      R"(uploaded ([0-9]+) intervals to \S+ \(([0-9]+) after retries\), ([0-9]+) dropped)");
  ASSERT_TRUE(std::regex_search(err, m, counts)) << err;
  const int delivered = std::stoi(m[1]);
  const int late = std::stoi(m[2]);
  const int dropped = std::stoi(m[3]);
  EXPECT_EQ(delivered + dropped, 9) << err;
  EXPECT_GE(late + dropped, 1) << err;
  const auto bodies = files_in(path("received"), "0");
  EXPECT_EQ(static_cast<int>(bodies.size()), delivered);
  EXPECT_FALSE(fs::exists(path("received/violations.txt")));
}

}  // namespace
}  // namespace cspy::test
