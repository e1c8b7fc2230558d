// PythonHook: the sampler's capture hook for CPython targets. It finds the interpreter in
// the target (lazily: a launched program maps libpython only after its exec) and reads
// each sampled thread's Python frame chain on the sampler's thread, at the sample, with
// the code objects it has not read before (a worker may exit before it is named).
// Thread-safe: the perf_event reader thread and poll()'s idle sampler both call it.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "cspy/process/process.h"
#include "cspy/python/capture.h"
#include "cspy/python/code_reader.h"
#include "cspy/python/locals.h"
#include "cspy/python/runtime.h"
#include "cspy/python/thread_names.h"
#include "cspy/sampling/raw_sample.h"

namespace cspy::pipeline {

class PythonHook final : public sampling::CaptureHook {
 public:
  explicit PythonHook(const process::Process& process) : process_(process) {}

  void capture(pid_t pid, pid_t tid, std::vector<std::uint64_t>& words) override;
  // The process ran exec: what was found belongs to the program before; look again.
  void exec_seen();
  // Looks for CPython now (and no more later if it is found or cannot be read), and
  // checks at once that its interpreter state can be read (an attached program).
  void locate_now();
  // The interpreter found, once it is.
  std::optional<python::Runtime> runtime() const;
  // What names the captured frames (the code objects read at capture among them), once the
  // interpreter is found; a new one after an exec.
  std::shared_ptr<python::CodeReader> code_reader() const;
  // Why a CPython target's frames cannot be read (unsupported version, interpreter state
  // unreadable); "" otherwise.
  std::string problem() const;
  // Also read each frame's locals at capture (`dump --locals`: the thread is stopped).
  void read_locals(bool on) { read_locals_ = on; }
  // The locals of the frames last captured for `tid`, innermost frame first.
  std::vector<std::vector<python::Local>> locals_of(pid_t tid) const;
  // The name the program gave thread `tid` (threading.Thread(name=...)), "" when none.
  // Names are read from memory, off the sampling path and not under the capture lock;
  // again when a thread is not known yet, at most every 250 ms.
  std::string python_thread_name(pid_t tid);
  // The name `tid` shows as: its Python name where its OS name is the process's own
  // (inherited, not set by the program), else its OS name.
  std::string shown_thread_name(pid_t tid);

 private:
  void locate_locked();
  // Whether the interpreter state was found readable; a state that cannot be read, or
  // stays empty beyond a starting program's grace, becomes problem_ and capture_ is
  // dropped (native frames only).
  bool state_readable_locked();

  const process::Process& process_;
  mutable std::mutex mutex_;
  std::optional<python::FrameCapture> capture_;
  std::shared_ptr<python::CodeReader> codes_;  // with capture_
  std::string problem_;
  std::uint64_t next_look_ns_ = 0;
  int looks_ = 0;
  std::uint64_t found_ns_ = 0;  // when capture_ was set
  bool state_readable_ = false;
  bool no_grace_ = false;  // locate_now: an attached program, not one starting
  python::CapturedStack stack_;
  bool read_locals_ = false;
  std::set<std::string> not_python_;  // files known not to define _PyRuntime
  std::map<pid_t, std::vector<std::vector<python::Local>>> locals_;
  std::map<pid_t, std::string> thread_names_;
  std::uint64_t names_read_ns_ = 0;  // 0: never
};

}  // namespace cspy::pipeline
