// Folded stacks ("frame;frame;frame count", root first): flamegraph.pl's input format.
#include <algorithm>
#include <string>

#include "cspy/output/escape.h"
#include "cspy/output/writer.h"
#include "folded_stacks.h"

namespace cspy::output {

namespace {

// flamegraph.pl splits frames on ';' and lines on '\n'; neither may appear in a name, nor
// may a control character (ESC) that a terminal showing the file would act on.
std::string folded_name(const aggregate::Frame& frame, bool lines) {
  std::string s = sanitize_utf8(lines ? frame.label_with_line() : frame.function);
  std::replace(s.begin(), s.end(), ';', ':');
  return s;
}

}  // namespace

void for_each_folded_stack(const aggregate::Profile& profile, const WriteOptions& options,
                           const std::function<void(const std::string&, std::uint64_t)>& visit) {
  aggregate::CallTree tree = profile.combined_tree(options.thread_roots);
  const auto& frames = profile.frames();
  std::vector<std::string> names(frames.size());
  for (std::size_t i = 0; i < frames.size(); ++i) {
    names[i] =
        folded_name(frames.get(aggregate::FrameId(static_cast<std::uint32_t>(i))), options.lines);
  }
  // Depth-first walk keeping the current path as a string prefix.
  std::vector<std::size_t> prefix_len;  // length of `path` before each depth's frame
  std::string path;
  tree.walk([&](aggregate::NodeId id, int depth) {
    const aggregate::CallNode& node = tree.node(id);
    prefix_len.resize(static_cast<std::size_t>(depth) + 1);
    if (depth == 0) {
      path.clear();
    } else {
      path.resize(prefix_len[static_cast<std::size_t>(depth) - 1]);
      path += ';';
    }
    path += names[node.frame.index()];
    prefix_len[static_cast<std::size_t>(depth)] = path.size();
    if (node.self > 0) visit(path, node.self);
  });
}

void write_folded(const aggregate::Profile& profile, const WriteOptions& options,
                  std::ostream& out) {
  for_each_folded_stack(profile, options, [&out](const std::string& stack, std::uint64_t count) {
    out << stack << ' ' << count << '\n';
  });
}

}  // namespace cspy::output
