// CallTree: the aggregated profile as a tree of call paths, root first.
// Each node is one frame reached through one path; `self` counts samples whose leaf is
// that node and `total` counts samples passing through it. Invariant: the root's total
// equals the number of samples added (weights included), so the counts always add up.
#pragma once

#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

#include "cspy/aggregate/frame.h"
#include "cspy/core/typed_id.h"

namespace cspy::aggregate {

struct NodeTag;
using NodeId = TypedId<NodeTag>;

struct CallNode {
  FrameId frame;  // meaningless for the root
  NodeId parent;  // the root is its own parent
  std::uint64_t self = 0;
  std::uint64_t total = 0;
  std::vector<NodeId> children;  // in insertion order
};

class CallTree {
 public:
  CallTree();

  static constexpr NodeId kRoot{0};

  // Adds `weight` samples for the stack `root_first` (outermost frame first).
  // An empty stack counts on the root itself.
  NodeId add(std::span<const FrameId> root_first, std::uint64_t weight = 1);

  // Adds every sample of `other` (whose FrameIds must come from the same FrameTable),
  // under `prefix` frames if given (e.g. a thread root frame).
  void merge(const CallTree& other, std::span<const FrameId> prefix = {});

  const CallNode& node(NodeId id) const { return nodes_[id.index()]; }
  std::size_t size() const { return nodes_.size(); }
  std::uint64_t total_samples() const { return nodes_[0].total; }

  // The frames from the outermost to `id` (excluding the root).
  std::vector<FrameId> path(NodeId id) const;

  // Calls visit(node_id, depth) depth-first, parents before children (root excluded,
  // depth 0 = outermost frames).
  template <typename Visit>
  void walk(Visit&& visit) const {
    std::vector<std::pair<NodeId, int>> todo;
    const auto& rc = nodes_[0].children;
    for (auto it = rc.rbegin(); it != rc.rend(); ++it) todo.emplace_back(*it, 0);
    while (!todo.empty()) {
      auto [id, depth] = todo.back();
      todo.pop_back();
      visit(id, depth);
      const auto& ch = nodes_[id.index()].children;
      for (auto it = ch.rbegin(); it != ch.rend(); ++it) todo.emplace_back(*it, depth + 1);
    }
  }

  void clear();

 private:
  NodeId child(NodeId parent, FrameId frame);

  struct EdgeHash {
    std::size_t operator()(std::uint64_t key) const noexcept {
      return key * 0x9E3779B97F4A7C15ULL >> 17;
    }
  };
  std::vector<CallNode> nodes_;
  std::unordered_map<std::uint64_t, NodeId, EdgeHash> edges_;  // (parent << 32 | frame) -> child
};

}  // namespace cspy::aggregate
