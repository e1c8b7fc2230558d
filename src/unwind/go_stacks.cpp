// Go's stack switches followed by frame pointers.
#include "go_stacks.h"

#include <vector>

namespace cspy::unwind {

namespace {

// The word at `addr`: from the sample's stack copy, else from the live target.
bool read_word(const sampling::RawSample& sample, const process::Process* live, std::uint64_t addr,
               std::uint64_t& word) {
  if (sampling::read_stack_word(sample, addr, word)) return true;
  if (live == nullptr) return false;
  auto n = live->read_memory(RemoteAddr(addr), &word, sizeof word);
  return n && *n == sizeof word;
}

}  // namespace

void follow_go_stack_switch(const modules::ModuleMap& modules, StackRoots& roots,
                            const sampling::RawSample& sample, const process::Process* live,
                            std::size_t max_depth, UnwoundStack& out) {
  // The first switching frame that is a return address (a sample inside the switch itself
  // has no frame-pointer record of it).
  std::size_t k = 0;
  while (k < out.frames.size() &&
         (out.frames[k].exact || roots.kind(out.frames[k]) != StackRoots::Kind::kGoSwitch)) {
    ++k;
  }
  if (k == out.frames.size()) return;
  const std::uint64_t switch_return = out.frames[k].pc.value();

  // The frame-pointer chain: [bp] is the caller's bp, [bp + 8] the return address.
  std::uint64_t bp = sample.regs.dwarf[sampling::kDwarfBp];
  bool found = false;
  std::vector<UnwoundFrame> after;
  for (std::size_t depth = 0; depth < max_depth && bp != 0 && bp % 8 == 0; ++depth) {
    std::uint64_t next_bp = 0;
    std::uint64_t ret = 0;
    if (!read_word(sample, live, bp, next_bp) || !read_word(sample, live, bp + 8, ret) ||
        ret == 0) {
      break;
    }
    if (modules.find(RemoteAddr(ret)) == nullptr) break;  // a stale word, not code
    const UnwoundFrame frame{RemoteAddr(ret), false};
    const bool keep = found || k == 1;
    if (keep) after.push_back(frame);
    // On one stack, callers' frames lie at higher addresses; a switching function's caller
    // is on another (the goroutine's). The goroutine's words are read live, after the
    // sample: a goroutine that went on meanwhile leaves a broken chain, which ends the walk
    // there (a failed stack) rather than adding stale frames.
    const bool switch_step = roots.kind(frame) == StackRoots::Kind::kGoSwitch;
    if (keep && !switch_step && next_bp != 0 && next_bp <= bp) break;
    if (ret == switch_return) {
      found = true;
      after.clear();
    }
    bp = next_bp;
  }
  // Sampled in a function with no frame of its own (the vDSO's clock_gettime) called by the
  // switching one: rbp is still the switching function's frame, whose return address the
  // chain holds first.
  if (!found && k == 1 && !after.empty()) found = true;
  if (!found) return;
  out.frames.resize(k + 1);
  out.frames.insert(out.frames.end(), after.begin(), after.end());
  if (out.frames.size() >= max_depth) {
    out.frames.resize(max_depth);
    out.end = StackEnd::kTruncated;
  } else {
    out.end = StackEnd::kComplete;  // finish_stack decides by the last frame
  }
}

}  // namespace cspy::unwind
