// Merge: a sample's native stack and its Python frames made into one stack. Each native
// frame of the eval loop is replaced, in place, by the Python frames it was running (in
// 3.11+ one C call runs several: a group ends at an entry frame). Native frames below the
// innermost Python frame stay; the interpreter's own frames above the outermost Python
// frame and between two Python frames are left out unless asked for.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace cspy::python {

struct MergeNative {
  std::uint32_t id = 0;
  bool eval = false;  // a physical frame of _PyEval_EvalFrameDefault
};

struct MergePython {
  std::uint32_t id = 0;
  bool entry = false;  // the outermost Python frame of its eval call
};

struct MergeOptions {
  bool internals = false;    // keep the interpreter's frames around the Python ones
  bool python_only = false;  // Python frames only (py-spy's default view)
};

// `native` root first, as unwound (a failure marker first when `complete` is false);
// `python` innermost first, as captured. Fills `out` root first. False (and `out`
// untouched) when the two cannot be matched: more eval frames than Python groups, or a
// different number of them on a complete stack.
bool merge(std::span<const MergeNative> native, std::span<const MergePython> python, bool complete,
           const MergeOptions& options, std::vector<std::uint32_t>& out);

}  // namespace cspy::python
