// Go's stack switches: runtime.systemstack, runtime.mcall and runtime.morestack run a
// function on the M's g0 stack, which no CFI describes the way back from (the CFI walk
// reads stale g0 words past them). They keep the goroutine's frame pointer, and Go keeps
// frame pointers (>= 1.7), so the frame-pointer chain continues into the goroutine's
// stack: follow_go_stack_switch splices it in after the switching frame.
// Internal to src/unwind; StackWalker calls it after each walk.
#pragma once

#include "cspy/modules/module_map.h"
#include "cspy/process/process.h"
#include "cspy/sampling/raw_sample.h"
#include "cspy/unwind/unwinder.h"
#include "stack_roots.h"

namespace cspy::unwind {

// When `out` holds a Go stack-switching frame whose return address the frame-pointer chain
// from the sample's rbp also reaches, the frames after it are replaced by that chain's
// (read from the stack copy, then the live target when `live` is set), up to a word that
// is no return address into a known module. Else unchanged.
void follow_go_stack_switch(const modules::ModuleMap& modules, StackRoots& roots,
                            const sampling::RawSample& sample, const process::Process* live,
                            std::size_t max_depth, UnwoundStack& out);

}  // namespace cspy::unwind
