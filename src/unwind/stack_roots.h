// StackRoots: whether an unwound frame is in a function where stacks begin (the entry
// point, a thread's start routine, Go's top frames). Both unwinders use it to tell a stack
// that reached its outermost frame (complete) from one that merely stopped early (failed).
// Internal to src/unwind; answers are cached per address until the maps are re-read.
#pragma once

#include <cstdint>
#include <unordered_map>

#include "cspy/modules/module_map.h"
#include "cspy/unwind/unwinder.h"

namespace cspy::unwind {

class StackRoots {
 public:
  explicit StackRoots(modules::ModuleMap& modules) : modules_(modules) {}
  // kGoTop: a function Go's own traceback ends at (TOPFRAME in the runtime's assembly:
  // runtime.goexit, runtime.mstart, runtime.rt0_go, runtime.sigtramp), whatever the CFI
  // says lies beyond it (an M's mstart is called by runtime.clone on a fresh stack).
  // kGoSwitch: a Go function that switches to the g0 stack (go_stacks.h): not a root.
  enum class Kind : std::uint8_t { kNone, kRoot, kGoTop, kGoSwitch };
  Kind kind(const UnwoundFrame& frame);
  bool is_root(const UnwoundFrame& frame) {
    const Kind k = kind(frame);
    return k == Kind::kRoot || k == Kind::kGoTop;
  }

 private:
  modules::ModuleMap& modules_;
  std::unordered_map<std::uint64_t, Kind> cache_;
  std::size_t refreshes_seen_ = 0;
};

// The end rule shared by the backends: a stack that was not truncated is complete exactly
// when its last frame is a stack root, whether the backend ended there "normally" or failed
// to step past it (nothing outside a root is worth unwinding); a stack that holds a Go top
// frame ends there, complete, as Go's tools show it; an empty one gets the sampled pc and
// is failed.
void finish_stack(StackRoots& roots, std::uint64_t sampled_ip, UnwoundStack& out);

}  // namespace cspy::unwind
