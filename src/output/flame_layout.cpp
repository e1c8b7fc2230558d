// Flamegraph layout: display tree (merged by label, optionally inverted) and placement.
#include "flame_layout.h"

#include <algorithm>
#include <unordered_map>

namespace cspy::output {

namespace {

using aggregate::CallNode;
using aggregate::CallTree;
using aggregate::FrameId;
using aggregate::NodeId;

// One FrameId per distinct label: the first frame interned with that label.
std::vector<FrameId> canonical_frames(const std::vector<std::string>& labels) {
  std::vector<FrameId> canon(labels.size());
  std::unordered_map<std::string_view, FrameId> first;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    FrameId id(static_cast<std::uint32_t>(i));
    canon[i] = first.emplace(labels[i], id).first->second;
  }
  return canon;
}

// The tree to draw: frames replaced by their canonical frame (so siblings with the same
// label merge) and, when inverting, every stack reversed below its `roots` root frames
// (process, thread).
CallTree display_tree(const CallTree& tree, const std::vector<FrameId>& canon, bool invert,
                      std::size_t roots) {
  CallTree out;
  if (tree.node(CallTree::kRoot).self > 0) out.add({}, tree.node(CallTree::kRoot).self);
  std::vector<FrameId> path, stack;
  tree.walk([&](NodeId id, int depth) {
    const CallNode& node = tree.node(id);
    path.resize(static_cast<std::size_t>(depth));
    path.push_back(canon[node.frame.index()]);
    if (node.self == 0) return;
    stack = path;
    if (invert) {
      if (roots < stack.size()) {
        std::reverse(stack.begin() + static_cast<std::ptrdiff_t>(roots), stack.end());
      }
    }
    out.add(stack, node.self);
  });
  return out;
}

}  // namespace

FlameLayout layout_flamegraph(const aggregate::Profile& profile, const WriteOptions& options,
                              double min_samples) {
  CallTree combined = profile.combined_tree(options.thread_roots);
  FlameLayout layout;
  const auto& frames = profile.frames();
  layout.labels.resize(frames.size());
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const aggregate::Frame& f = frames.get(FrameId(static_cast<std::uint32_t>(i)));
    layout.labels[i] = options.lines ? f.label_with_line() : f.function;
  }
  CallTree tree = display_tree(combined, canonical_frames(layout.labels), options.reverse,
                               profile.root_frames(options.thread_roots));
  const CallNode& root = tree.node(CallTree::kRoot);
  layout.total = root.total;
  layout.frames.push_back(FlameFrame{.is_all = true, .total = root.total, .self = root.self});
  if (root.total == 0) return layout;

  struct Todo {
    NodeId id;
    int depth;
    std::uint64_t start;
  };
  std::vector<Todo> todo{{CallTree::kRoot, 0, 0}};
  std::vector<NodeId> children;
  while (!todo.empty()) {
    Todo at = todo.back();
    todo.pop_back();
    const CallNode& node = tree.node(at.id);
    if (at.id != CallTree::kRoot) {
      layout.frames.push_back(FlameFrame{.frame = node.frame,
                                         .depth = at.depth,
                                         .start = at.start,
                                         .total = node.total,
                                         .self = node.self});
      layout.max_depth = std::max(layout.max_depth, at.depth);
    }
    children = node.children;
    std::sort(children.begin(), children.end(), [&](NodeId a, NodeId b) {
      return layout.labels[tree.node(a).frame.index()] < layout.labels[tree.node(b).frame.index()];
    });
    std::uint64_t start = at.start + node.self;
    std::size_t first_new = todo.size();
    for (NodeId c : children) {
      std::uint64_t width = tree.node(c).total;
      if (static_cast<double>(width) >= min_samples) todo.push_back({c, at.depth + 1, start});
      start += width;
    }
    std::reverse(todo.begin() + static_cast<std::ptrdiff_t>(first_new), todo.end());
  }
  return layout;
}

}  // namespace cspy::output
