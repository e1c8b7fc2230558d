// Session: one capture run over a Target — picks the sampling backend (perf_event, or
// ptrace where perf_event is refused), feeds every sample through an Interpreter into a
// Profile (and into a raw file when asked), and says when to stop: the duration, the
// target's exit, or a stop request. It prints nothing; the CLI reads fallback_reason(),
// the profile's counters and the accessors below. Usage: start(); while (step(50)) {...};
// finish() — `record` in one loop, `top` between screen refreshes.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "cspy/aggregate/profile.h"
#include "cspy/pipeline/interpreter.h"
#include "cspy/pipeline/python_hook.h"
#include "cspy/process/target.h"
#include "cspy/sampling/raw_file.h"
#include "cspy/sampling/sample_source.h"

namespace cspy::pipeline {

enum class SamplerKind { kPerfEvent, kPtrace };

struct SessionOptions {
  double rate_hz = 100;
  double duration_s = 0;  // 0: no limit
  SamplerKind sampler = SamplerKind::kPerfEvent;
  std::size_t stack_bytes = 16384;
  bool idle = false;
  std::string raw_output;  // also save raw samples here (for `cspy report`)
  InterpreterOptions interpreter;
  std::function<bool()> stop_requested;  // polled at every step; empty: never
};

// Makes the sampling backend for a target; the Session's default makes the real ones.
// Tests pass a factory that returns a fake source.
using SourceFactory = std::function<std::unique_ptr<sampling::SampleSource>(
    SamplerKind, const process::Target&, const sampling::SamplerOptions&)>;

class Session {
 public:
  Session(process::Target& target, aggregate::Profile& profile, SessionOptions options,
          SourceFactory factory = {});
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  Result<void> start();
  // Processes samples for up to timeout_ms; false once the session should end.
  Result<bool> step(int timeout_ms);
  // Drains what is left, stops sampling (the target runs on, untraced) and fills in the
  // profile's RecordingInfo. Safe to call twice.
  void finish();

  // Why another sampler than the one asked for runs, or why off-CPU stacks are polled
  // ("" when neither): set by start().
  const std::string& fallback_reason() const { return fallback_reason_; }
  double elapsed_s() const;
  std::size_t threads_seen() const { return source_ ? source_->threads_seen() : 0; }
  std::size_t threads_unsampled() const { return source_ ? source_->threads_unsampled() : 0; }
  std::string unsampled_reason() const { return source_ ? source_->unsampled_reason() : ""; }
  const char* sampler_name() const { return source_ ? source_->name() : "none"; }
  bool target_exited() const { return target_exited_; }
  // Why the target's Python frames cannot be read ("" when they can or it is not Python).
  std::string python_problem() const { return python_ ? python_->problem() : ""; }
  // What could not be used to name frames since the last call (a file that is not the
  // one mapped), each module's once.
  std::vector<std::string> take_notices() {
    return interpreter_ ? interpreter_->take_notices() : std::vector<std::string>{};
  }
  // Whether a CPython interpreter was found in the target.
  bool python_found() const { return python_ && python_->runtime().has_value(); }

 private:
  // Writes the target's maps to the raw file if they changed since last written.
  void save_raw_maps();
  Result<void> start_source();
  Result<void> start_interpreter();

  process::Target& target_;
  aggregate::Profile& profile_;
  SessionOptions options_;
  SourceFactory factory_;
  std::unique_ptr<PythonHook> python_;  // before source_: the source calls it until stopped
  std::unique_ptr<sampling::SampleSource> source_;
  std::unique_ptr<Interpreter> interpreter_;
  std::unique_ptr<sampling::RawFileWriter> raw_writer_;
  std::string raw_maps_;  // the maps text last written to the raw file
  std::map<std::uint64_t, std::string> raw_build_ids_;  // module start -> build-id written
  sampling::SampleSink* sink_ = nullptr;  // the interpreter, or the raw writer before it
  std::string fallback_reason_;
  std::uint64_t start_ns_ = 0;
  std::uint64_t end_ns_ = 0;
  std::uint64_t last_modules_ns_ = 0;
  bool target_exited_ = false;
  bool finished_ = false;
};

}  // namespace cspy::pipeline
