// Merging Python frame groups into the eval-loop frames of a native stack.
#include "cspy/python/merge.h"

#include <algorithm>

namespace cspy::python {

bool merge(std::span<const MergeNative> native, std::span<const MergePython> python, bool complete,
           const MergeOptions& options, std::vector<std::uint32_t>& out) {
  // Python groups, root first, each root first.
  std::vector<std::vector<std::uint32_t>> groups;
  for (auto f = python.rbegin(); f != python.rend(); ++f) {
    if (f->entry || groups.empty()) groups.emplace_back();
    groups.back().push_back(f->id);
  }
  std::vector<std::size_t> evals;
  for (std::size_t i = 0; i < native.size(); ++i) {
    if (native[i].eval) evals.push_back(i);
  }
  if (evals.size() > groups.size() || (complete && evals.size() != groups.size())) return false;
  // An incomplete native stack holds the innermost eval calls: the outer groups precede it.
  const std::size_t skipped = groups.size() - evals.size();
  out.clear();
  if (options.python_only) {
    for (const auto& g : groups) out.insert(out.end(), g.begin(), g.end());
    return true;
  }
  std::size_t i = 0;
  if (!complete && !native.empty()) out.push_back(native[i++].id);  // the failure marker
  for (std::size_t g = 0; g < skipped; ++g)
    out.insert(out.end(), groups[g].begin(), groups[g].end());
  std::size_t next_eval = 0;
  for (; i < native.size(); ++i) {
    if (native[i].eval) {
      const auto& g = groups[skipped + next_eval++];
      out.insert(out.end(), g.begin(), g.end());
      continue;
    }
    const bool below_python = next_eval == evals.size();
    if (below_python || options.internals || groups.empty()) out.push_back(native[i].id);
  }
  return true;
}

}  // namespace cspy::python
