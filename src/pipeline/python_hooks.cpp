// PythonHooks: one PythonHook per process, found by PID.
#include "cspy/pipeline/python_hooks.h"

namespace cspy::pipeline {

PythonHooks::PythonHooks(const process::Process& root, bool children)
    : root_hook_(root), root_pid_(root.pid()), children_(children) {}

void PythonHooks::capture(pid_t pid, pid_t tid, std::vector<std::uint64_t>& words) {
  if (PythonHook* h = hook(pid)) h->capture(pid, tid, words);
}

PythonHook* PythonHooks::hook(pid_t pid) {
  if (pid == root_pid_) return &root_hook_;
  if (!children_) return nullptr;
  std::lock_guard lock(mutex_);
  auto it = children_by_pid_.find(pid);
  if (it == children_by_pid_.end()) {
    auto opened = process::Process::open(pid);
    if (!opened) return nullptr;
    it = children_by_pid_.emplace(pid, std::make_unique<Child>(*opened)).first;
  }
  return &it->second->hook;
}

}  // namespace cspy::pipeline
