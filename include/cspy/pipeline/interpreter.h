// Interpreter: the SampleSink that turns raw samples into aggregated stacks — unwind,
// symbolize (inlined frames expanded), intern, count into a Profile. Every command that
// names frames uses it: `record` and `top` live, `report` on a recording, `dump` once.
// Every sample is counted: unwinding failures become [unknown], the depth limit
// [truncated], kernel drops [lost]. One cache answers pc -> frames.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cspy/aggregate/profile.h"
#include "cspy/modules/maps_timeline.h"
#include "cspy/modules/module_map.h"
#include "cspy/pipeline/python_hook.h"
#include "cspy/process/process.h"
#include "cspy/python/code_reader.h"
#include "cspy/python/merge.h"
#include "cspy/sampling/raw_sample.h"
#include "cspy/symbolize/symbolizer.h"
#include "cspy/unwind/unwinder.h"

namespace cspy::pipeline {

enum class UnwinderKind { kLibdw, kLibunwind };

// How Python frames show: merged into the native stack (the default), Python frames only
// (py-spy's default), or not at all (the native stack as unwound).
enum class PythonView { kMerged, kPythonOnly, kNative };

struct InterpreterOptions {
  bool lines = false;            // keep the line in frame identity (group by line)
  bool full_signatures = false;  // C++ parameter lists
  std::size_t max_depth = 512;
  UnwinderKind unwinder = UnwinderKind::kLibdw;
  bool inline_frames = true;  // false: only the physical functions (like perf --no-inline)
  PythonView python = PythonView::kMerged;
  bool python_internals = false;  // keep the interpreter's frames between Python frames
  // Samples of Python threads that do not hold the GIL go to one frame of their own.
  bool gil_only = false;
  // Directories searched for separate debug files before the standard ones (--debug-dir).
  std::vector<std::string> debug_dirs;
  // --off-cpu: count only the samples of threads off CPU.
  bool off_cpu_only = false;
};

// Counts a sample of a process whose maps could not be read (gone before it was looked
// at) as [unknown], weighted as an Interpreter weighs samples.
void add_unnamed_sample(aggregate::Profile& profile, const sampling::RawSample& sample,
                        bool off_cpu_only);

class Interpreter final : public sampling::SampleSink {
 public:
  // `maps` gives the target's memory maps (live or recorded), `files` where its files are
  // and which they must be; `live` is the running target, or null when replaying.
  static Result<std::unique_ptr<Interpreter>> create(modules::ModuleMap::MapsSource maps,
                                                     std::shared_ptr<modules::TargetFiles> files,
                                                     const process::Process* live, pid_t pid,
                                                     aggregate::Profile& profile,
                                                     const InterpreterOptions& options);

  void on_sample(const sampling::RawSample& sample) override;
  void on_lost(pid_t tid, std::uint64_t count) override;
  // The program changed: following maps, a version from `time_ns` on; else the maps are
  // read again.
  void on_exec(pid_t pid, std::uint64_t time_ns, const std::string& name) override;
  void on_mmap(const sampling::MmapEvent& mapping) override;

  // Live, with a sampler that reports every mapping and exec: from now on the maps are
  // `base_text` (read from /proc at `base_ns`) changed by on_mmap() and on_exec(), and each
  // sample is named with those in force when it was taken; /proc is not read again.
  void follow_maps(std::uint64_t base_ns, std::string_view base_text);
  // Records were lost: the maps are read from /proc again (on a miss, and when refreshed).
  void stop_following_maps();
  bool follows_maps() const { return timeline_ != nullptr; }
  // Following maps: names what follows with the maps in force at `time_ns` (on_sample
  // does it for its sample); the text and a number that changes with it.
  void select_maps(std::uint64_t time_ns);
  const std::string& maps_text() const { return timeline_text_; }
  std::uint64_t maps_version() const { return timeline_version_; }
  // Unwinds and symbolizes one sample into `root_first` without counting it, its Python
  // frames merged in; returns how the native unwinding ended. Failure frames
  // ([unknown], [truncated], [python: changed during read]) are included.
  unwind::StackEnd resolve(const sampling::RawSample& sample,
                           std::vector<aggregate::FrameId>& root_first);

  // Thread names are read when a thread is first seen; a name resolver can be set.
  void set_thread_namer(std::function<std::string(pid_t)> namer) { namer_ = std::move(namer); }
  void refresh_thread_names();
  // Re-reads the target's maps; when they changed (dlopen, dlclose), the cached frames
  // are forgotten at the next lookup, so that addresses are named by the modules mapped now.
  void refresh_modules();
  // What could not be used to name frames (a file that is not the one mapped), said once.
  std::vector<std::string> take_notices() { return modules_->take_notices(); }
  // The target's JIT names (its perf map), for a recording to keep.
  const std::string& perf_map_text() { return modules_->perf_map_text(); }
  // Where the Python frames captured with live samples are named from (not owned).
  void set_python(const PythonHook* hook) { python_hook_ = hook; }
  // Replaying: the code objects a recording kept name its Python frames.
  void set_recorded_codes(const std::vector<python::CodeRecord>& codes);
  // The code objects named so far (live), for a recording to keep.
  std::vector<python::CodeRecord> python_codes() const;

 private:
  Interpreter(aggregate::Profile& profile, const InterpreterOptions& options, pid_t pid)
      : profile_(profile), options_(options), pid_(pid) {}
  const std::vector<aggregate::FrameId>& frames_for(unwind::UnwoundFrame frame);
  // Tells the profile which binary frame `id` (symbolized from `pc`) came from, and the
  // raw symbol name of a named physical frame, for outputs that name binaries (pprof).
  void note_binary(RemoteAddr pc, const symbolize::SymbolFrame& s, aggregate::FrameId id);
  // Replaces the eval-loop frames of root_first by the sample's Python frames.
  void merge_python(const sampling::RawSample& sample, bool complete,
                    std::vector<aggregate::FrameId>& root_first);
  bool is_eval_frame(aggregate::FrameId id);

  aggregate::Profile& profile_;
  InterpreterOptions options_;
  pid_t pid_;  // the process whose samples these are
  std::unique_ptr<modules::ModuleMap> modules_;
  // Following maps: what the module map reads (the version selected last).
  std::unique_ptr<modules::MapsTimeline> timeline_;
  std::string timeline_text_;
  std::uint64_t timeline_version_ = 0;
  std::unique_ptr<unwind::Unwinder> unwinder_;
  std::unique_ptr<symbolize::Symbolizer> symbolizer_;
  std::function<std::string(pid_t)> namer_;
  // lookup pc -> interned frames, innermost first (the inline chain).
  std::unordered_map<RemoteAddr, std::vector<aggregate::FrameId>> pc_frames_;
  std::vector<aggregate::FrameId> uncached_;  // frames_for's result when not cached
  std::size_t refreshes_seen_ = 0;            // pc_frames_ holds answers from then on
  unwind::UnwoundStack stack_;
  std::vector<aggregate::FrameId> path_;
  // Python
  const PythonHook* python_hook_ = nullptr;
  // Live: the hook's readers, the latest last (a new one after each exec); replaying: the
  // code objects the recording kept.
  std::vector<std::shared_ptr<python::CodeReader>> code_readers_;
  std::unique_ptr<python::RecordedCodes> recorded_codes_;
  bool name_python(const python::CapturedFrame& frame, python::PyFrameName& out);
  std::vector<std::int8_t> eval_frame_;  // by FrameId: -1 not yet known, 0 no, 1 yes
  // The leaf frame of a sample off CPU: the system call it waited in ("[off-cpu]": unknown).
  aggregate::FrameId syscall_frame(int nr);
  std::map<int, aggregate::FrameId> syscall_frames_;
  python::CapturedStack captured_;
  std::vector<python::MergeNative> merge_native_;
  std::vector<python::MergePython> merge_python_;
  std::vector<std::uint32_t> merged_;
};

}  // namespace cspy::pipeline
