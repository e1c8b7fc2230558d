// Profile: per-thread call trees, counters and the recording's description.
#include "cspy/aggregate/profile.h"

#include <fmt/core.h>

namespace cspy::aggregate {

void Profile::add_sample(pid_t tid, std::span<const FrameId> root_first, std::uint64_t time_ns,
                         std::uint64_t weight) {
  ThreadInfo& t = threads_[tid];
  t.tid = tid;
  t.samples += weight;
  NodeId leaf = t.tree.add(root_first, weight);
  counters_.samples += weight;
  if (keep_timeline_) timeline_.push_back(TimelineEntry{time_ns, tid, leaf});
}

void Profile::set_thread_name(pid_t tid, const std::string& name) {
  ThreadInfo& t = threads_[tid];
  t.tid = tid;
  t.name = name;
}

FrameId Profile::thread_frame(pid_t tid) {
  auto it = threads_.find(tid);
  std::string name = it == threads_.end() ? "" : it->second.name;
  std::string label = name.empty() ? fmt::format("thread {}", tid)
                                   : fmt::format("thread {} ({})", tid, name);
  return frames_.intern(Frame{.function = label, .kind = FrameKind::kThread});
}

CallTree Profile::combined_tree(bool thread_roots) {
  CallTree out;
  for (auto& [tid, t] : threads_) {
    if (thread_roots) {
      FrameId root = thread_frame(tid);
      out.merge(t.tree, std::span<const FrameId>(&root, 1));
    } else {
      out.merge(t.tree);
    }
  }
  return out;
}

void Profile::reset_counts() {
  for (auto& [tid, t] : threads_) {
    t.samples = 0;
    t.tree.clear();
  }
  counters_ = Counters{};
  timeline_.clear();
}

}  // namespace cspy::aggregate
