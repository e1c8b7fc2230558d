// StackWalker: checks, one re-read of the maps between walks, and the end rule.
#include "stack_walker.h"

#include "go_stacks.h"

namespace cspy::unwind {

void StackWalker::unwind(const sampling::RawSample& sample, UnwoundStack& out) {
  out.frames.clear();
  out.end = StackEnd::kComplete;
  if (!sample.has_regs) {
    out.end = StackEnd::kFailed;
    return;
  }
  // A sampled pc in a new library: re-read the maps before walking, not during.
  (void)modules_.module_at(RemoteAddr(sample.regs.ip()));
  restart_ = false;
  may_restart_ = true;
  walk(sample, out);
  if (restart_) {
    restart_ = false;
    may_restart_ = false;      // once per sample: an address in no module stays unknown
    (void)modules_.refresh();  // unchanged or unreadable maps: the walk goes as before
    out.frames.clear();
    out.end = StackEnd::kComplete;
    walk(sample, out);
  }
  follow_go_stack_switch(modules_, roots_, sample, live_memory_, max_depth_, out);
  finish_stack(roots_, sample.regs.ip(), out);
}

bool StackWalker::restart_for(RemoteAddr pc) {
  if (!may_restart_ || modules_.find(pc) != nullptr || !modules_.refresh_due() ||
      modules_.in_unbacked_code(pc)) {
    return false;  // known, not due, or JIT code no re-read will find a module for
  }
  restart_ = true;
  return true;
}

}  // namespace cspy::unwind
