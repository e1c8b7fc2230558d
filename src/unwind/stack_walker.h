// StackWalker: what both unwinding backends share around their walk of one stack — the
// checks before it, the end rule after it (StackRoots), and the re-read of the maps when
// the walk met an address in no known module (a library loaded since the last read):
// the maps are re-read between walks, never during one, and the walk done again; and Go's
// stack switches followed by frame pointers (go_stacks.h).
// Internal to src/unwind.
#pragma once

#include "cspy/modules/module_map.h"
#include "cspy/unwind/unwinder.h"
#include "stack_roots.h"

namespace cspy::unwind {

class StackWalker : public Unwinder {
 public:
  void unwind(const sampling::RawSample& sample, UnwoundStack& out) final;

 protected:
  // `live` (null in replay) serves reads beyond the stack copy after a Go stack switch.
  StackWalker(modules::ModuleMap& modules, const process::Process* live, std::size_t max_depth)
      : modules_(modules), live_memory_(live), max_depth_(max_depth), roots_(modules) {}
  // One walk from the sample's registers into `out` (empty, end kComplete on entry).
  virtual void walk(const sampling::RawSample& sample, UnwoundStack& out) = 0;
  // For the backend during a walk: true when `pc` lies in no known module and re-reading
  // the maps may find it; the walk should then stop at once (it is done again).
  bool restart_for(RemoteAddr pc);
  bool restarting() const { return restart_; }

  modules::ModuleMap& modules_;

 private:
  const process::Process* live_memory_;
  std::size_t max_depth_;
  StackRoots roots_;
  bool may_restart_ = false;
  bool restart_ = false;
};

}  // namespace cspy::unwind
