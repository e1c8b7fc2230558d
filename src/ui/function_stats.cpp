// compute_function_stats: a depth-first walk of each thread's call tree that keeps the rows
// on the current path, so a recursive function's total is counted at its outermost node only.
#include "cspy/ui/function_stats.h"

#include <algorithm>
#include <tuple>
#include <unordered_map>

#include <fmt/core.h>

namespace cspy::ui {

namespace {

// Maps FrameIds to row indices, creating a row the first time a group key is seen.
class RowIndex {
 public:
  RowIndex(const aggregate::FrameTable& frames, Grouping grouping, std::vector<FunctionRow>& rows)
      : frames_(frames), grouping_(grouping), rows_(rows), frame_rows_(frames.size(), kNone) {}

  std::uint32_t row_for(aggregate::FrameId id) {
    std::uint32_t& cached = frame_rows_[id.index()];
    if (cached != kNone) return cached;
    const aggregate::Frame& f = frames_.get(id);
    std::string key = f.function + '\0' + f.module;
    if (grouping_ == Grouping::kLine) key += fmt::format("{}{}{}{}", '\0', f.file, '\0', f.line);
    auto [it, inserted] = keys_.emplace(std::move(key), static_cast<std::uint32_t>(rows_.size()));
    if (inserted) {
      rows_.push_back(FunctionRow{.function = f.function,
                                  .module = f.module,
                                  .file = f.file,
                                  .line = grouping_ == Grouping::kLine ? f.line : 0,
                                  .kind = f.kind});
    } else if (rows_[it->second].file.empty()) {
      rows_[it->second].file = f.file;
    }
    cached = it->second;
    return cached;
  }

 private:
  static constexpr std::uint32_t kNone = UINT32_MAX;
  const aggregate::FrameTable& frames_;
  Grouping grouping_;
  std::vector<FunctionRow>& rows_;
  std::vector<std::uint32_t> frame_rows_;  // by FrameId index
  std::unordered_map<std::string, std::uint32_t> keys_;
};

// The weight off CPU under each node: its stacks that end in a system call frame (--idle).
std::vector<std::uint64_t> off_cpu_weights(const aggregate::CallTree& tree,
                                           const aggregate::FrameTable& frames) {
  std::vector<std::uint64_t> off(tree.size(), 0);
  // A child is always added after its parent: children first, from the last node back.
  for (std::size_t i = tree.size(); i-- > 1;) {
    const aggregate::CallNode& node = tree.node(aggregate::NodeId(static_cast<std::uint32_t>(i)));
    if (frames.get(node.frame).kind == aggregate::FrameKind::kSyscall) off[i] += node.total;
    off[node.parent.index()] += off[i];
  }
  return off;
}

void add_tree(const aggregate::CallTree& tree, const aggregate::FrameTable& frames, RowIndex& index,
              std::vector<FunctionRow>& rows) {
  const std::vector<std::uint64_t> off = off_cpu_weights(tree, frames);
  std::vector<std::uint32_t> path;     // the row of each node on the current path
  std::vector<std::uint32_t> on_path;  // by row: how many times it is on the path
  tree.walk([&](aggregate::NodeId id, int depth) {
    while (path.size() > static_cast<std::size_t>(depth)) {
      --on_path[path.back()];
      path.pop_back();
    }
    const aggregate::CallNode& node = tree.node(id);
    std::uint32_t row = index.row_for(node.frame);
    if (on_path.size() < rows.size()) on_path.resize(rows.size(), 0);
    if (on_path[row] == 0) {  // outermost occurrence only
      rows[row].total += node.total;
      rows[row].off += off[id.index()];
    }
    rows[row].own += node.self;
    ++on_path[row];
    path.push_back(row);
  });
}

}  // namespace

FunctionStats compute_function_stats(const aggregate::Profile& profile, const StatsQuery& query) {
  FunctionStats stats;
  RowIndex index(profile.frames(), query.grouping, stats.rows);
  for (const auto& [tid, thread] : profile.threads()) {
    if (query.thread && *query.thread != tid) continue;
    if (query.process && *query.process != thread.pid) continue;
    stats.samples += thread.tree.total_samples();
    add_tree(thread.tree, profile.frames(), index, stats.rows);
  }
  // Rows interned for frames this selection never reached (reset counters, other threads).
  std::erase_if(stats.rows, [](const FunctionRow& r) { return r.total == 0 && r.own == 0; });
  return stats;
}

void sort_rows(std::vector<FunctionRow>& rows, SortColumn column) {
  const bool by_own = column == SortColumn::kOwnPercent || column == SortColumn::kOwnTime;
  std::stable_sort(rows.begin(), rows.end(), [by_own](const FunctionRow& a, const FunctionRow& b) {
    auto key = [by_own](const FunctionRow& r) {
      return by_own ? std::tie(r.own, r.total) : std::tie(r.total, r.own);
    };
    if (key(a) != key(b)) return key(a) > key(b);
    return std::tie(a.function, a.file, a.line, a.module) <
           std::tie(b.function, b.file, b.line, b.module);
  });
}

}  // namespace cspy::ui
