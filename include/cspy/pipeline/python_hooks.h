// PythonHooks: the capture hook of a session, one PythonHook per sampled process — the
// target, and with --subprocesses every process it starts, each made when first sampled.
// Thread-safe: the sampler's thread captures while the session's thread asks for hooks.
#pragma once

#include <map>
#include <memory>
#include <mutex>

#include "cspy/pipeline/python_hook.h"
#include "cspy/process/process.h"

namespace cspy::pipeline {

class PythonHooks final : public sampling::CaptureHook {
 public:
  // `children`: processes other than `root` get hooks too.
  PythonHooks(const process::Process& root, bool children);

  void capture(pid_t pid, pid_t tid, std::vector<std::uint64_t>& words) override;
  // The hook of process `pid`, made now if need be; null when it is not followed or is
  // gone. Hooks live as long as this object.
  PythonHook* hook(pid_t pid);
  PythonHook& root() { return root_hook_; }

 private:
  struct Child {
    explicit Child(process::Process p) : process(p), hook(process) {}
    process::Process process;
    PythonHook hook;
  };

  PythonHook root_hook_;
  pid_t root_pid_;
  bool children_;
  std::mutex mutex_;
  std::map<pid_t, std::unique_ptr<Child>> children_by_pid_;
};

}  // namespace cspy::pipeline
