// pipeline::Session driven by a fake SampleSource: the fallback from perf_event to ptrace,
// errors that are not a refusal, the stop conditions (duration, stop request, target exit),
// counters that add up to what the source delivered, the raw file tee, and continuous
// recording's intervals (abutting, adding up).
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <cmath>
#include <thread>
#include <vector>

#include "cspy/core/clock.h"
#include "cspy/pipeline/session.h"
#include "cspy/sampling/raw_file.h"
#include "support/child_process.h"
#include "support/test_files.h"

namespace cspy {
namespace {

using pipeline::SamplerKind;

// What the fakes did, shared with the test.
struct FakeLog {
  std::vector<SamplerKind> made;
  std::uint64_t delivered = 0;
  std::uint64_t lost = 0;
  bool stopped = false;
};

class FakeSource final : public sampling::SampleSource {
 public:
  FakeSource(FakeLog& log, pid_t pid, Result<void> start_result, const char* name)
      : log_(log), pid_(pid), start_result_(std::move(start_result)), name_(name) {}
  Result<void> start() override { return start_result_; }
  // Three samples without registers (they unwind to [unknown]) and one lost record.
  Result<std::size_t> poll(sampling::SampleSink& sink, int timeout_ms) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(timeout_ms, 5)));
    sampling::RawSample sample;
    sample.pid = pid_;
    sample.tid = pid_;
    sample.time_ns = monotonic_ns();
    for (int i = 0; i < 3; ++i) sink.on_sample(sample);
    sink.on_lost(pid_, 1);
    log_.delivered += 3;
    log_.lost += 1;
    return 3;
  }
  void stop() override { log_.stopped = true; }
  std::size_t threads_seen() const override { return 1; }
  const char* name() const override { return name_; }

 private:
  FakeLog& log_;
  pid_t pid_;
  Result<void> start_result_;
  const char* name_;
};

// A factory whose perf_event source starts with `perf_start`; ptrace always starts.
pipeline::SourceFactory fake_factory(FakeLog& log, Result<void> perf_start) {
  return [&log, perf_start](SamplerKind kind, const process::Target& target,
                            const sampling::SamplerOptions&) {
    log.made.push_back(kind);
    const bool perf = kind == SamplerKind::kPerfEvent;
    return std::make_unique<FakeSource>(log, target.pid(), perf ? perf_start : Result<void>{},
                                        perf ? "fake-perf" : "fake-ptrace");
  };
}

class SessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(sleeper_.started());
    auto target = process::Target::attach(sleeper_.pid());
    ASSERT_TRUE(target) << target.error().describe();
    target_.emplace(std::move(*target));
  }
  // Steps until the session ends (at most 10 s); returns the number of steps.
  int run_to_end(pipeline::Session& session) {
    int steps = 0;
    for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
         std::chrono::steady_clock::now() < deadline; ++steps) {
      auto more = session.step(10);
      EXPECT_TRUE(more) << more.error().describe();
      if (!more || !*more) break;
    }
    session.finish();
    return steps;
  }

  test::ChildProcess sleeper_{{"sleep", "30"}};
  std::optional<process::Target> target_;
  aggregate::Profile profile_;
  FakeLog log_;
};

TEST_F(SessionTest, FallsBackToPtraceWhenPerfEventIsRefused) {
  Error refused(ErrorKind::kPermission, "perf_event_open refused (perf_event_paranoid is 3)");
  pipeline::Session session(*target_, profile_, {.duration_s = 0.05}, fake_factory(log_, refused));
  ASSERT_TRUE(session.start());
  EXPECT_EQ(log_.made, (std::vector<SamplerKind>{SamplerKind::kPerfEvent, SamplerKind::kPtrace}));
  EXPECT_NE(session.fallback_reason().find("perf_event_paranoid is 3"), std::string::npos);
  EXPECT_NE(session.fallback_reason().find("falling back to the ptrace sampler"),
            std::string::npos);
  EXPECT_STREQ(session.sampler_name(), "fake-ptrace");
  EXPECT_EQ(profile_.info().sampler, "fake-ptrace");
  run_to_end(session);
}

TEST_F(SessionTest, OtherStartFailuresAreErrorsWithoutFallback) {
  Error broken(ErrorKind::kGeneric, "perf_event_open: no such device", ENODEV);
  pipeline::Session session(*target_, profile_, {}, fake_factory(log_, broken));
  auto started = session.start();
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().sys_errno(), ENODEV);
  EXPECT_EQ(log_.made, std::vector<SamplerKind>{SamplerKind::kPerfEvent});
  EXPECT_TRUE(session.fallback_reason().empty());
}

TEST_F(SessionTest, StopsAtTheDurationWithCountsThatAddUp) {
  pipeline::Session session(*target_, profile_, {.duration_s = 0.2}, fake_factory(log_, {}));
  ASSERT_TRUE(session.start());
  run_to_end(session);
  EXPECT_GE(session.elapsed_s(), 0.2);
  EXPECT_LT(session.elapsed_s(), 5.0);
  EXPECT_TRUE(log_.stopped) << "finish() stops the source";
  EXPECT_FALSE(session.target_exited());
  const auto& c = profile_.counters();
  EXPECT_EQ(c.samples, log_.delivered + log_.lost);
  EXPECT_EQ(c.lost, log_.lost);
  EXPECT_EQ(c.unwind_failures, log_.delivered) << "samples without registers unwind to [unknown]";
  EXPECT_EQ(profile_.combined_tree(false).total_samples(), c.samples);
  EXPECT_EQ(profile_.info().pid, sleeper_.pid());
  EXPECT_GT(profile_.info().duration_s, 0.19);
}

TEST_F(SessionTest, CutsIntervalsThatAbutAndAddUp) {
  pipeline::Session session(*target_, profile_, {.duration_s = 0.55, .interval_ns = 100'000'000ULL},
                            fake_factory(log_, {}));
  ASSERT_TRUE(session.start());
  std::vector<aggregate::Profile> intervals;
  for (;;) {
    auto more = session.step(10);
    ASSERT_TRUE(more);
    while (auto i = session.take_interval()) intervals.push_back(std::move(*i));
    if (!*more) break;
  }
  session.finish();
  while (auto i = session.take_interval()) intervals.push_back(std::move(*i));
  // Cuts at 100, 200, ..., 500 ms; the last interval runs to the end (past 550 ms).
  ASSERT_EQ(intervals.size(), 6u);
  std::uint64_t samples = 0;
  std::uint64_t lost = 0;
  for (std::size_t i = 0; i < intervals.size(); ++i) {
    const auto& info = intervals[i].info();
    samples += intervals[i].counters().samples;
    lost += intervals[i].counters().lost;
    EXPECT_EQ(intervals[i].combined_tree(false).total_samples(), intervals[i].counters().samples);
    if (i + 1 == intervals.size()) {
      EXPECT_GE(info.duration_s, 0.05);
      continue;
    }
    EXPECT_EQ(std::llround(info.duration_s * 1e9), 100'000'000LL);
    const auto& next = intervals[i + 1].info();
    EXPECT_EQ(info.start_unix_ns + 100'000'000ULL, next.start_unix_ns);
    EXPECT_EQ(info.start_mono_ns + 100'000'000ULL, next.start_mono_ns);
    EXPECT_GT(intervals[i].counters().samples, 0u) << "interval " << i;
  }
  EXPECT_EQ(samples, log_.delivered + log_.lost);
  EXPECT_EQ(lost, log_.lost);
  EXPECT_EQ(profile_.counters().samples, 0u) << "everything was handed over";
  EXPECT_EQ(session.late_samples(), 0u);
}

TEST_F(SessionTest, StopsWhenAStopIsRequested) {
  int polls = 0;
  pipeline::Session session(*target_, profile_,
                            {.stop_requested = [&polls] { return ++polls >= 3; }},
                            fake_factory(log_, {}));
  ASSERT_TRUE(session.start());
  EXPECT_EQ(run_to_end(session), 2);
  EXPECT_EQ(polls, 3);
}

TEST_F(SessionTest, StopsWhenTheTargetExits) {
  pipeline::Session session(*target_, profile_, {}, fake_factory(log_, {}));
  ASSERT_TRUE(session.start());
  ASSERT_TRUE(session.step(10));
  sleeper_.kill_and_reap();
  run_to_end(session);
  EXPECT_TRUE(session.target_exited());
  EXPECT_TRUE(profile_.info().target_exited);
}

TEST_F(SessionTest, TeesRawSamplesToAFileThatReplays) {
  const std::string raw = test::make_test_dir("session_tee") + "/run.raw";
  pipeline::Session session(*target_, profile_, {.duration_s = 0.05, .raw_output = raw},
                            fake_factory(log_, {}));
  ASSERT_TRUE(session.start());
  run_to_end(session);
  auto recording = sampling::read_raw_file(raw);
  ASSERT_TRUE(recording) << recording.error().describe();
  EXPECT_EQ(recording->pid, sleeper_.pid());
  EXPECT_EQ(recording->samples.size(), log_.delivered);
  std::uint64_t lost = 0;
  for (const auto& [tid, count] : recording->lost) lost += count;
  EXPECT_EQ(lost, log_.lost);
  EXPECT_NE(recording->own.maps.find("sleep"), std::string::npos) << "the target's maps are saved";
}

}  // namespace
}  // namespace cspy
