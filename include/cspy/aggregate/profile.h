// Profile: everything one recording produced — interned frames, a call tree per thread,
// per-thread metadata, counters (samples, lost, unwind failures) and the recording's
// description (command, pid, rate, times). Writers in output/ read it as const.
// Invariant: the counters are kept by add_sample/add_lost alone, so they always add up to
// the samples in the trees. Optionally keeps a timeline (one entry per sample).
// Continuous recording cuts it by sample time: hold_from(T) holds back the samples timed
// at or after T, split_off() hands over the rest as a Profile of its own.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cspy/aggregate/call_tree.h"
#include "cspy/aggregate/frame.h"

namespace cspy::aggregate {

struct ThreadInfo {
  pid_t tid = 0;
  pid_t pid = 0;     // its process (0: not said)
  std::string name;  // /proc/PID/task/TID/comm
  FrameId root;      // "thread TID (name)", the root frame of --threads
  std::uint64_t samples = 0;
  CallTree tree;
};

// A process the recording sampled, for the root frames of --subprocesses.
struct ProcessInfo {
  pid_t pid = 0;
  std::string name;  // its comm (after its last exec)
  FrameId root;      // "name (PID)"
};

// One sample in time order, for speedscope-like outputs (only if timeline is enabled).
struct TimelineEntry {
  std::uint64_t time_ns = 0;  // CLOCK_MONOTONIC nanoseconds
  pid_t tid = 0;
  NodeId leaf;  // node in that thread's tree
};

struct RecordingInfo {
  std::string command;  // the target's command line
  pid_t pid = 0;
  double rate_hz = 0;
  std::string sampler;              // "perf_event" or "ptrace"
  std::uint64_t start_unix_ns = 0;  // wall-clock start, for the subtitle
  std::uint64_t start_mono_ns = 0;  // CLOCK_MONOTONIC at start (timeline origin)
  double duration_s = 0;
  bool target_exited = false;
  bool idle = false;  // --idle: threads off CPU were sampled too (wall-clock time)
  // --subprocesses: every stack starts with its process's root frame, "name (PID)".
  bool process_roots = false;
  // Weights are nanoseconds, not sample counts (with --idle and --off-cpu): a sample on
  // CPU weighs one sampling interval, one off CPU the time until the thread ran again.
  bool weights_ns = false;
  bool off_cpu_only = false;  // --off-cpu: only the time off CPU was kept
};

// A binary that native frames were found in, under the name their Frame::module gives it:
// where it was mapped and its GNU build-id, for outputs that name binaries (pprof).
struct ModuleInfo {
  std::string path;  // as mapped in the target
  std::uint64_t start = 0;
  std::uint64_t limit = 0;        // end of its mapped range
  std::uint64_t file_offset = 0;  // file offset of `start`
  std::string build_id;           // lowercase hex; empty when the file has none
};

struct Counters {
  std::uint64_t samples = 0;          // every sample, failures included
  std::uint64_t lost = 0;             // samples the kernel dropped (also in [lost] frames)
  std::uint64_t unwind_failures = 0;  // samples whose stack starts (root) at [unknown]
  // Of those, the ones whose outermost frame unwound is JIT code (no CFI; frame pointers
  // did not lead on).
  std::uint64_t unwind_failures_in_jit = 0;
  std::uint64_t truncated = 0;  // samples whose stack starts at [truncated]
  std::uint64_t idle = 0;       // weight of samples of threads off CPU (--idle)
};

class Profile {
 public:
  explicit Profile(bool keep_timeline = false) : keep_timeline_(keep_timeline) {}

  FrameTable& frames() { return frames_; }
  const FrameTable& frames() const { return frames_; }
  RecordingInfo& info() { return info_; }
  const RecordingInfo& info() const { return info_; }
  const Counters& counters() const { return counters_; }

  // Records `weight` samples of thread `tid` with stack `root_first`; a stack rooted at
  // [unknown] counts as an unwind failure, one rooted at [truncated] as truncated.
  // `idle`: the thread was off CPU (--idle).
  void add_sample(pid_t tid, std::span<const FrameId> root_first, std::uint64_t time_ns,
                  std::uint64_t weight = 1, bool idle = false);
  // What one sample on CPU weighs: 1, or the sampling interval in nanoseconds.
  std::uint64_t sample_weight() const;
  // Records `count` samples the kernel dropped, as a [lost] stack of thread `tid`.
  void add_lost(pid_t tid, std::uint64_t count);
  void set_thread_name(pid_t tid, const std::string& name);
  // Says which process thread `tid` belongs to, and names that process (its comm).
  void set_thread_process(pid_t tid, pid_t pid);
  void set_process_name(pid_t pid, const std::string& name);
  const std::map<pid_t, ProcessInfo>& processes() const { return processes_; }
  // The binary behind Frame::module `name`; the first one given for a name is kept.
  void add_module(const std::string& name, const ModuleInfo& info);
  const std::map<std::string, ModuleInfo>& modules() const { return modules_; }
  // The raw (mangled) symbol name of a native frame, when it differs from its name; the
  // first one given for a frame is kept. Null when none is known.
  void set_symbol_name(FrameId frame, const std::string& raw);
  const std::string* symbol_name(FrameId frame) const;

  const std::map<pid_t, ThreadInfo>& threads() const { return threads_; }
  const std::vector<TimelineEntry>& timeline() const { return timeline_; }
  bool keeps_timeline() const { return keep_timeline_; }

  // One tree for the writers: all threads merged, or with a root frame per thread; with
  // info().process_roots, a process root frame above those.
  CallTree combined_tree(bool thread_roots) const;
  // How many root frames combined_tree puts above each stack.
  std::size_t root_frames(bool thread_roots) const {
    return (info_.process_roots ? 1 : 0) + (thread_roots ? 1 : 0);
  }
  // The frames combined_tree puts above thread `tid`'s stacks.
  std::vector<FrameId> roots_of(pid_t tid, bool thread_roots) const;
  // The thread root frame, labelled e.g. "thread 1234 (worker)"; interned when the thread
  // first appears and again when it is named.
  FrameId thread_frame(pid_t tid) const;

  void reset_counts();  // for `top`'s R key: forget samples, keep frames

  // Continuous recording: samples (and lost counts) timed at or after `time_ns` are held
  // back, not counted, until split_off() starts the interval they belong to.
  void hold_from(std::uint64_t time_ns) { hold_from_ = time_ns; }
  // Hands over what was counted so far (threads with samples, counters, timeline, with a
  // copy of the frames, names, modules and info) and forgets it here; threads without a
  // sample in it are dropped, so that memory stays bounded for days. Then counts the held
  // samples timed before `next_hold` and holds the others.
  Profile split_off(std::uint64_t next_hold);
  std::size_t held_samples() const { return held_.size(); }

 private:
  // A sample timed past hold_from_, kept until its interval starts.
  struct Held {
    pid_t tid = 0;
    std::vector<FrameId> stack;
    std::uint64_t time_ns = 0;
    std::uint64_t weight = 0;
    std::uint64_t lost = 0;  // a count of samples the kernel dropped, not a sample
    bool idle = false;
  };
  ThreadInfo& thread(pid_t tid);
  void count(pid_t tid, std::span<const FrameId> root_first, std::uint64_t time_ns,
             std::uint64_t weight, bool idle);

  bool keep_timeline_;
  FrameTable frames_;
  RecordingInfo info_;
  Counters counters_;
  std::map<pid_t, ThreadInfo> threads_;
  std::map<pid_t, ProcessInfo> processes_;
  std::vector<TimelineEntry> timeline_;
  std::map<std::string, ModuleInfo> modules_;
  std::map<FrameId, std::string> symbol_names_;
  std::uint64_t hold_from_ = UINT64_MAX;
  std::vector<Held> held_;
};

}  // namespace cspy::aggregate
