// ProfileFilter: a new Profile with the samples of one thread and/or through (or not
// through) frames whose function matches a regex.
#include "cspy/aggregate/profile_filter.h"

#include <algorithm>
#include <vector>

#include <fmt/core.h>

namespace cspy::aggregate {

namespace {

Result<std::optional<std::regex>> compile(const std::string& pattern, const char* option) {
  if (pattern.empty()) return std::optional<std::regex>();
  try {
    return std::optional<std::regex>(std::regex(pattern, std::regex::extended));
  } catch (const std::regex_error& e) {
    return Error(ErrorKind::kUsage,
                 fmt::format("{} '{}' is not a regular expression: {}", option, pattern, e.what()));
  }
}

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Whether each frame's function matches `re` (0 no, 1 yes), computed on first use.
class FrameMatches {
 public:
  FrameMatches(const FrameTable& frames, const std::optional<std::regex>& re)
      : frames_(frames), re_(re), cache_(frames.size(), -1) {}
  bool operator()(FrameId id) {
    signed char& c = cache_[id.index()];
    if (c < 0) c = std::regex_search(frames_.get(id).function, *re_) ? 1 : 0;
    return c == 1;
  }

 private:
  const FrameTable& frames_;
  const std::optional<std::regex>& re_;
  std::vector<signed char> cache_;
};

}  // namespace

Result<ProfileFilter> ProfileFilter::make(const FilterSpec& spec) {
  ProfileFilter filter(spec);
  auto focus = compile(spec.focus, "--focus");
  if (!focus) return focus.error();
  auto exclude = compile(spec.exclude, "--exclude");
  if (!exclude) return exclude.error();
  filter.focus_ = std::move(*focus);
  filter.exclude_ = std::move(*exclude);
  return filter;
}

bool ProfileFilter::wants_thread(const ThreadInfo& thread) const {
  if (spec_.thread.empty()) return true;
  if (all_digits(spec_.thread)) return std::to_string(thread.tid) == spec_.thread;
  return thread.name == spec_.thread;
}

Result<Profile> ProfileFilter::apply(const Profile& profile) const {
  Profile out;
  out.info() = profile.info();
  const FrameTable& frames = profile.frames();
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const FrameId id(static_cast<std::uint32_t>(i));
    const FrameId copy = out.frames().intern(frames.get(id));
    if (const std::string* raw = profile.symbol_name(id)) out.set_symbol_name(copy, *raw);
  }
  for (const auto& [name, module] : profile.modules()) out.add_module(name, module);
  const FrameId lost = out.frames().lost();
  FrameMatches focused(frames, focus_);
  FrameMatches excluded(frames, exclude_);
  bool any_thread = false;
  std::vector<FrameId> path;
  std::vector<char> focus_by_depth;  // 1 if a frame at or above this depth matches --focus
  for (const auto& [tid, thread] : profile.threads()) {
    if (!wants_thread(thread)) continue;
    any_thread = true;
    if (!thread.name.empty()) out.set_thread_name(tid, thread.name);
    if (auto p = profile.processes().find(thread.pid); p != profile.processes().end()) {
      out.set_process_name(p->first, p->second.name);
      out.set_thread_process(tid, p->first);
    }
    const CallTree& tree = thread.tree;
    const pid_t thread_id = tid;  // clang cannot capture a structured binding in a lambda
    if (tree.node(CallTree::kRoot).self > 0 && !focus_)
      out.add_sample(tid, {}, 0, tree.node(CallTree::kRoot).self);
    // Depth-first; a subtree under an excluded frame is skipped as a whole.
    int skip_below = -1;
    tree.walk([&](NodeId id, int depth) {
      if (skip_below >= 0 && depth > skip_below) return;
      skip_below = -1;
      const CallNode& node = tree.node(id);
      const auto d = static_cast<std::size_t>(depth);
      path.resize(d);
      focus_by_depth.resize(d);
      if (exclude_ && excluded(node.frame)) {
        skip_below = depth;
        return;
      }
      path.push_back(node.frame);
      focus_by_depth.push_back(static_cast<char>((d > 0 && focus_by_depth[d - 1] != 0) ||
                                                 (focus_ && focused(node.frame))));
      if (node.self == 0 || (focus_ && focus_by_depth[d] == 0)) return;
      if (path.size() == 1 && path[0] == lost) {
        out.add_lost(thread_id, node.self);
      } else {
        out.add_sample(thread_id, path, 0, node.self);
      }
    });
  }
  if (!any_thread) {
    std::string threads;
    for (const auto& [tid, thread] : profile.threads()) {
      threads +=
          (threads.empty() ? "" : ", ") +
          (thread.name.empty() ? std::to_string(tid) : fmt::format("{} ({})", tid, thread.name));
    }
    return Error(ErrorKind::kUsage,
                 fmt::format("--thread {}: no such thread in the recording (threads: {})",
                             spec_.thread, threads.empty() ? "none" : threads));
  }
  return out;
}

}  // namespace cspy::aggregate
