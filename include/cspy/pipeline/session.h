// Session: one capture run over a Target — picks the sampling backend (perf_event, or
// ptrace where perf_event is refused), feeds every sample through its process's
// Interpreter into a Profile (and into a raw file when asked), and says when to stop: the
// duration, the target's exit, or a stop request. With `subprocesses`, every process the
// target starts is sampled too, each with an Interpreter (module map) of its own. It prints
// nothing; the CLI reads fallback_reason(), the profile's counters and the accessors below. Usage:
// start(); while (step(50)) {...}; finish() — `record` in one loop, `top` between screen refreshes.
// With `interval_ns` (continuous recording) the profile is cut by sample time every
// interval; take_interval() hands over each finished one, the last partial one after finish().
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "cspy/aggregate/profile.h"
#include "cspy/pipeline/interpreter.h"
#include "cspy/pipeline/python_hooks.h"
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
  bool subprocesses = false;  // also the target's child processes (perf_event only)
  std::string raw_output;     // also save raw samples here (for `cspy report`)
  InterpreterOptions interpreter;
  std::function<bool()> stop_requested;  // polled at every step; empty: never
  // Continuous recording: one Profile per this many nanoseconds of sample time, from
  // start() on (0: one profile for the whole run). With duration_s, the last interval
  // runs to the end.
  std::uint64_t interval_ns = 0;
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
  std::string lost_reason() const { return source_ ? source_->lost_reason() : ""; }
  const char* sampler_name() const { return source_ ? source_->name() : "none"; }
  bool target_exited() const { return target_exited_; }
  // Why the raw file (SessionOptions::raw_output) could not be completed, after finish().
  const std::optional<Error>& raw_file_error() const { return raw_file_error_; }
  // Why the target's Python frames cannot be read ("" when they can or it is not Python).
  std::string python_problem() const { return python_ ? python_->root().problem() : ""; }
  // What could not be used to name frames since the last call (a file that is not the
  // one mapped), each module's once.
  std::vector<std::string> take_notices();
  // Whether a CPython interpreter was found in the target.
  bool python_found() const { return python_ && python_->root().runtime().has_value(); }
  // How many processes were sampled (more than one with subprocesses).
  std::size_t processes_seen() const { return processes_.size(); }
  // Continuous recording: the oldest finished interval not yet taken, its info() saying
  // when it began (start_unix_ns, start_mono_ns) and how long it lasted (duration_s):
  // consecutive intervals abut exactly and each sample is in one of them.
  std::optional<aggregate::Profile> take_interval();
  // Samples that arrived after the interval they were taken in had been handed over
  // (counted in the one open then): 0 unless the rings were read very late.
  std::uint64_t late_samples() const { return late_samples_; }
  // The longest an interval's cut held up the sampling loop (split_off's copy), seconds.
  double max_cut_s() const { return static_cast<double>(max_cut_ns_) / 1e9; }

 private:
  // One sampled process: its Interpreter, and what the raw file has of it.
  struct Traced {
    // Null for the target (target_.process()), and for a process gone (no interpreter).
    std::unique_ptr<process::Process> process;
    std::unique_ptr<Interpreter> interpreter;     // null: its maps could not be read, or gone
    std::string raw_maps;                         // the maps text last written to the raw file
    std::uint64_t raw_maps_version = UINT64_MAX;  // following maps: the version written
    std::map<std::uint64_t, std::string> raw_build_ids;  // module start -> build-id written
    std::uint64_t last_sample_ns = 0;
    std::uint64_t gone_ns = 0;  // when retire_exited() first found it gone
  };
  // What watch() read of a child process while it lived.
  struct Watched {
    std::string name;  // its comm when first seen
    std::string maps;  // the last read
    // The first read, after its events were opened, and the time just before it: the
    // kernel reports every mapping and exec after it.
    std::string first_maps;
    std::uint64_t first_maps_ns = 0;
    std::shared_ptr<modules::TargetFiles> files;
    std::uint64_t gone_ns = 0;  // when first found gone, if never sampled (retire_exited)
  };
  // Hands each sample to its process's Interpreter, making one for a process not seen yet.
  class Router final : public sampling::SampleSink {
   public:
    explicit Router(Session& session) : session_(session) {}
    void on_sample(const sampling::RawSample& sample) override;
    void on_lost(pid_t tid, std::uint64_t count) override;
    void on_exec(pid_t pid, std::uint64_t time_ns, const std::string& name) override;
    void on_mmap(const sampling::MmapEvent& mapping) override;

   private:
    Session& session_;
  };

  // Writes a process's maps to the raw file if they changed since last written.
  void save_raw_maps(pid_t pid, Traced& traced);
  void save_all_raw_maps();
  // Writes what names a process's frames besides its maps (its JIT's perf map, its Python
  // code objects) to the raw file.
  void save_raw_names(pid_t pid, Traced& traced);
  // Makes the raw file's per-process records that follow be of process `pid`.
  void select_raw_process(pid_t pid);
  Result<void> start_source();
  Result<void> start_interpreter();
  // An Interpreter for `proc`: its files through `files` (made now when null), its maps
  // read live, or as watch() last read them if it is gone.
  Result<std::unique_ptr<Interpreter>> make_interpreter(
      const process::Process& proc, std::shared_ptr<modules::TargetFiles> files = nullptr);
  // The maps of `proc`: read now, or as watch() last read them if it is gone.
  Result<std::string> maps_of(const process::Process& proc);
  // The first maps of `proc` that every later change is reported after (watch()'s first
  // read, else one now), and the time just before they were read.
  Result<std::pair<std::uint64_t, std::string>> base_maps_of(const process::Process& proc);
  // The maps a process's samples are named with now: the version its Interpreter selected
  // (following maps), else /proc's.
  Result<std::string> naming_maps(const Traced& traced);
  // The build-id of the module at `start` in process `pid`: read from its memory now, or
  // as watch() read it while it lived.
  std::string build_id_of(pid_t pid, std::uint64_t start);
  // A child process seen alive (on the sampler's thread, at every look for threads): what
  // names its samples is read while it lives — its root (held open), its maps and its
  // modules' build-ids, again as they change.
  void watch(pid_t pid);
  // Gives each process's root frame the name watch() last read (after its last exec).
  void name_processes();
  // The Traced of process `pid`, made now if need be (null when it is not followed).
  Traced* traced(pid_t pid);
  const process::Process& process_of(const Traced& traced) const {
    return traced.process ? *traced.process : target_.process();
  }
  // Drops the Interpreters of processes gone for a while (a fork loop's children).
  void retire_exited();
  void forget_unsampled_children(std::uint64_t now);
  // Continuous recording: the next boundary after `cut` that is cut at (UINT64_MAX when
  // it would be past --duration: the last interval runs to the end).
  std::uint64_t boundary_after(std::uint64_t cut) const;
  // Ends the open interval at sample time `end_ns` and queues it for take_interval().
  void cut(std::uint64_t end_ns);

  process::Target& target_;
  aggregate::Profile& profile_;
  SessionOptions options_;
  SourceFactory factory_;
  // Before source_: the source calls them until it is stopped.
  std::unique_ptr<PythonHooks> python_;
  std::mutex watched_mutex_;  // watch() runs on the sampler's thread
  std::map<pid_t, Watched> watched_;
  std::unique_ptr<sampling::SampleSource> source_;
  std::map<pid_t, Traced> processes_;
  Router router_{*this};
  std::unique_ptr<sampling::RawFileWriter> raw_writer_;
  std::vector<std::string> retired_notices_;
  std::uint64_t latest_sample_ns_ =
      0;  // the newest sample named so far  // of Interpreters retire_exited() dropped
  sampling::SampleSink* sink_ = nullptr;  // the router, once there is an Interpreter
  std::string fallback_reason_;
  std::uint64_t start_ns_ = 0;
  std::uint64_t end_ns_ = 0;
  std::uint64_t last_modules_ns_ = 0;
  // Continuous recording: the open interval's start, its end (UINT64_MAX: none), the
  // intervals not yet taken.
  std::uint64_t interval_start_ns_ = 0;
  std::uint64_t next_cut_ns_ = UINT64_MAX;
  std::deque<aggregate::Profile> intervals_;
  std::uint64_t late_samples_ = 0;
  std::uint64_t max_cut_ns_ = 0;
  bool target_exited_ = false;
  bool finished_ = false;
  std::optional<Error> raw_file_error_;
};

}  // namespace cspy::pipeline
