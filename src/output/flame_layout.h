// Flamegraph layout: the rectangles of a flamegraph, in samples, from a Profile.
// Like flamegraph.pl: frames with the same label under the same parent are one frame,
// children are ordered by label, a parent's own samples come before its children, and a
// frame narrower than the pruning threshold is skipped with its subtree (its samples
// still count in its parent's width, so the total always equals all samples).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cspy/aggregate/profile.h"
#include "cspy/output/writer.h"

namespace cspy::output {

struct FlameFrame {
  aggregate::FrameId frame;  // the representative frame (label, colour, tooltip)
  bool is_all = false;       // the root frame spanning every sample ("all")
  int depth = 0;             // 0 for "all", 1 for the outermost frames
  std::uint64_t start = 0;   // offset from the left edge, in samples
  std::uint64_t total = 0;   // samples through this frame (its width)
  std::uint64_t self = 0;    // samples whose leaf is this frame
};

struct FlameLayout {
  std::vector<FlameFrame> frames;   // parents before children; frames[0] is "all"
  std::vector<std::string> labels;  // by FrameId index: function or label_with_line()
  std::uint64_t total = 0;
  int max_depth = 0;
};

// Builds the display tree (merged by label; inverted when options.reverse: leaf
// functions as roots, under the thread root frame if options.thread_roots) and lays it
// out. Frames with total < min_samples are pruned.
FlameLayout layout_flamegraph(const aggregate::Profile& profile, const WriteOptions& options,
                              double min_samples);

}  // namespace cspy::output
