// SamplingSession: one capture run over a Target — pick the sampling backend (perf_event,
// falling back to ptrace with a notice), feed samples through a Collector into a Profile,
// stop on --duration, target exit or a stop signal, and summarize. `record` calls run();
// `top` calls start() and then step() between screen refreshes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "cspy/aggregate/profile.h"
#include "cspy/cli/collector.h"
#include "cspy/cli/target.h"
#include "cspy/sampling/raw_file.h"
#include "cspy/sampling/sample_source.h"

namespace cspy::cli {

struct SessionOptions {
  double rate_hz = 100;
  double duration_s = 0;  // 0: no limit
  std::string sampler = "perf_event";
  std::size_t stack_bytes = 16384;
  bool idle = false;
  bool status_line = false;  // a live one-line status on stderr
  std::string raw_output;    // also save raw samples here (for `cspy report`)
  CollectorOptions collector;
};

class SamplingSession {
 public:
  SamplingSession(Target& target, aggregate::Profile& profile, SessionOptions options)
      : target_(target), profile_(profile), options_(std::move(options)) {}

  Result<void> start();
  // Processes samples for up to timeout_ms; false once the session should end.
  Result<bool> step(int timeout_ms);
  // Drains what is left and fills in the profile's RecordingInfo.
  void finish();
  // start(), step() until done, finish().
  Result<void> run();

  std::string summary() const;
  double elapsed_s() const;
  std::size_t threads_seen() const { return source_ ? source_->threads_seen() : 0; }
  bool target_exited() const { return target_exited_; }

 private:
  void print_status(bool final_line);

  Target& target_;
  aggregate::Profile& profile_;
  SessionOptions options_;
  std::unique_ptr<sampling::SampleSource> source_;
  std::unique_ptr<Collector> collector_;
  std::unique_ptr<sampling::RawFileWriter> raw_writer_;
  sampling::SampleSink* sink_ = nullptr;  // the collector, or the raw writer before it
  std::uint64_t start_ns_ = 0;
  std::uint64_t end_ns_ = 0;
  std::uint64_t last_status_ns_ = 0;
  std::uint64_t last_modules_ns_ = 0;
  bool target_exited_ = false;
  bool finished_ = false;
};


}  // namespace cspy::cli
