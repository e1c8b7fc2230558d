// python::merge on hand-made stacks: eval frames replaced in place by their Python groups,
// interpreter frames between them hidden unless asked for, native callees kept, and
// stacks that cannot be matched refused.
#include "cspy/python/merge.h"

#include <gtest/gtest.h>

namespace cspy::python {
namespace {

// Native frames root first: 1 main, 2 Py_RunMain, 10/11 eval, 20 a call helper between
// them, 30 hypot (a C callee).
constexpr std::uint32_t kMain = 1, kRunMain = 2, kEvalA = 10, kEvalB = 11, kCall = 20, kHypot = 30,
                        kFailure = 99;
// Python frames: 100 <module>, 101 f, 102 g, 103 h.
constexpr std::uint32_t kModule = 100, kF = 101, kG = 102, kH = 103;

std::vector<std::uint32_t> run(std::vector<MergeNative> native, std::vector<MergePython> python,
                               bool complete = true, MergeOptions options = {}) {
  std::vector<std::uint32_t> out = {12345};
  if (!merge(native, python, complete, options, out)) return {};
  return out;
}

TEST(PythonMerge, OneEvalCallPerFrame) {  // 3.8-3.10: every Python frame an entry
  auto out = run({{kMain}, {kRunMain}, {kEvalA, true}, {kCall}, {kEvalB, true}, {kHypot}},
                 {{kF, true}, {kModule, true}});
  EXPECT_EQ(out, (std::vector<std::uint32_t>{kModule, kF, kHypot}));
}

TEST(PythonMerge, SeveralFramesInOneEvalCall) {  // 3.11+: g and f run in the outer call
  auto out = run({{kMain}, {kEvalA, true}, {kCall}, {kEvalB, true}, {kHypot}},
                 {{kH, true}, {kG, false}, {kF, false}, {kModule, true}});
  EXPECT_EQ(out, (std::vector<std::uint32_t>{kModule, kF, kG, kH, kHypot}));
}

TEST(PythonMerge, InternalsKeepTheInterpretersFrames) {
  auto out = run({{kMain}, {kEvalA, true}, {kCall}, {kEvalB, true}, {kHypot}},
                 {{kF, true}, {kModule, true}}, true, MergeOptions{.internals = true});
  EXPECT_EQ(out, (std::vector<std::uint32_t>{kMain, kModule, kCall, kF, kHypot}));
}

TEST(PythonMerge, PythonOnly) {
  auto out = run({{kMain}, {kEvalA, true}, {kCall}, {kEvalB, true}, {kHypot}},
                 {{kF, true}, {kModule, true}}, true, MergeOptions{.python_only = true});
  EXPECT_EQ(out, (std::vector<std::uint32_t>{kModule, kF}));
}

TEST(PythonMerge, DifferentCountsOnACompleteStackAreRefused) {
  EXPECT_TRUE(run({{kMain}, {kEvalA, true}, {kHypot}}, {{kF, true}, {kModule, true}}).empty());
  EXPECT_TRUE(run({{kMain}, {kEvalA, true}, {kEvalB, true}}, {{kModule, true}}).empty());
}

TEST(PythonMerge, IncompleteStackTakesTheInnermostGroups) {
  // The unwinder lost the outer part: [unknown] first, one eval frame left.
  auto out =
      run({{kFailure}, {kCall}, {kEvalB, true}, {kHypot}}, {{kF, true}, {kModule, true}}, false);
  EXPECT_EQ(out, (std::vector<std::uint32_t>{kFailure, kModule, kF, kHypot}));
}

TEST(PythonMerge, NoPythonFramesLeavesTheNativeStack) {
  auto out = run({{kMain}, {kHypot}}, {});
  EXPECT_EQ(out, (std::vector<std::uint32_t>{kMain, kHypot}));
}

}  // namespace
}  // namespace cspy::python
