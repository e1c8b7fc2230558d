// CallTree: a trie of call paths with self/total counts.
#include "cspy/aggregate/call_tree.h"

#include "cspy/core/check.h"

namespace cspy::aggregate {

CallTree::CallTree() { clear(); }

void CallTree::clear() {
  nodes_.clear();
  edges_.clear();
  nodes_.push_back(CallNode{.frame = FrameId{}, .parent = kRoot});
}

NodeId CallTree::child(NodeId parent, FrameId frame) {
  std::uint64_t key = (static_cast<std::uint64_t>(parent.index()) << 32) | frame.index();
  auto it = edges_.find(key);
  if (it != edges_.end()) return it->second;
  CSPY_CHECK(nodes_.size() < UINT32_MAX);
  NodeId id(static_cast<std::uint32_t>(nodes_.size()));
  nodes_.push_back(CallNode{.frame = frame, .parent = parent});
  nodes_[parent.index()].children.push_back(id);
  edges_.emplace(key, id);
  return id;
}

NodeId CallTree::add(std::span<const FrameId> root_first, std::uint64_t weight) {
  NodeId at = kRoot;
  nodes_[0].total += weight;
  for (FrameId f : root_first) {
    at = child(at, f);
    nodes_[at.index()].total += weight;
  }
  nodes_[at.index()].self += weight;
  return at;
}

void CallTree::merge(const CallTree& other, std::span<const FrameId> prefix) {
  // Map other's node ids to ours; the root of other maps to the end of the prefix.
  std::vector<NodeId> mapped(other.nodes_.size());
  NodeId base = kRoot;
  std::uint64_t all = other.total_samples();
  nodes_[0].total += all;
  for (FrameId f : prefix) {
    base = child(base, f);
    nodes_[base.index()].total += all;
  }
  mapped[0] = base;
  nodes_[base.index()].self += other.nodes_[0].self;
  other.walk([&](NodeId id, int) {
    const CallNode& src = other.nodes_[id.index()];
    NodeId dst = child(mapped[src.parent.index()], src.frame);
    mapped[id.index()] = dst;
    nodes_[dst.index()].self += src.self;
    nodes_[dst.index()].total += src.total;
  });
}

std::vector<FrameId> CallTree::path(NodeId id) const {
  std::vector<FrameId> out;
  while (id != kRoot) {
    out.push_back(nodes_[id.index()].frame);
    id = nodes_[id.index()].parent;
  }
  return {out.rbegin(), out.rend()};
}

}  // namespace cspy::aggregate
