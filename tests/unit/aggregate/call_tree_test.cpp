// Tests for FrameTable, CallTree and Profile: interning, counts that add up, merging.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "cspy/aggregate/profile.h"

namespace cspy::aggregate {
namespace {

Frame fn(const std::string& name) { return Frame{.function = name, .module = "m"}; }

TEST(FrameTable, InternsEqualFramesOnce) {
  FrameTable t;
  FrameId a = t.intern(fn("a"));
  FrameId b = t.intern(fn("b"));
  EXPECT_NE(a, b);
  EXPECT_EQ(a, t.intern(fn("a")));
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(t.get(b).function, "b");
  EXPECT_EQ(t.unknown(), t.unknown());
  EXPECT_EQ(t.get(t.truncated()).function, "[truncated]");
}

TEST(FrameTable, LineAndInlineMakeDistinctFrames) {
  FrameTable t;
  Frame x = fn("f");
  Frame y = x;
  y.line = 10;
  Frame z = x;
  z.inlined = true;
  EXPECT_NE(t.intern(x), t.intern(y));
  EXPECT_NE(t.intern(x), t.intern(z));
  EXPECT_EQ(y.label_with_line(), "f");  // no file: no location
  y.file = "/src/a.cpp";
  EXPECT_EQ(y.label_with_line(), "f (a.cpp:10)");
}

TEST(CallTree, SelfAndTotalAddUp) {
  FrameTable t;
  FrameId m = t.intern(fn("main")), a = t.intern(fn("a")), b = t.intern(fn("b"));
  CallTree tree;
  std::vector<FrameId> s1{m, a}, s2{m, a, b}, s3{m};
  tree.add(s1, 2);
  tree.add(s2);
  tree.add(s3);
  EXPECT_EQ(tree.total_samples(), 4u);
  NodeId main_node = tree.node(CallTree::kRoot).children.at(0);
  EXPECT_EQ(tree.node(main_node).total, 4u);
  EXPECT_EQ(tree.node(main_node).self, 1u);
  NodeId a_node = tree.node(main_node).children.at(0);
  EXPECT_EQ(tree.node(a_node).self, 2u);
  EXPECT_EQ(tree.node(a_node).total, 3u);
  EXPECT_EQ(tree.path(tree.node(a_node).children.at(0)), s2);

  std::uint64_t self_sum = 0;
  int visited = 0;
  tree.walk([&](NodeId id, int) {
    self_sum += tree.node(id).self;
    ++visited;
  });
  EXPECT_EQ(self_sum, tree.total_samples());
  EXPECT_EQ(visited, 3);
}

TEST(CallTree, MergeUnderPrefix) {
  FrameTable t;
  FrameId m = t.intern(fn("main")), a = t.intern(fn("a")), th = t.intern(fn("thread"));
  CallTree one;
  std::vector<FrameId> s{m, a};
  one.add(s, 3);
  CallTree merged;
  merged.merge(one, std::span<const FrameId>(&th, 1));
  merged.merge(one);
  EXPECT_EQ(merged.total_samples(), 6u);
  ASSERT_EQ(merged.node(CallTree::kRoot).children.size(), 2u);
  NodeId th_node = merged.node(CallTree::kRoot).children[0];
  EXPECT_EQ(merged.node(th_node).frame, th);
  EXPECT_EQ(merged.node(th_node).total, 3u);
  EXPECT_EQ(merged.node(th_node).self, 0u);
}

TEST(Profile, ThreadsTimelineAndCombinedTree) {
  Profile p(/*keep_timeline=*/true);
  FrameId m = p.frames().intern(fn("main"));
  std::vector<FrameId> s{m};
  p.set_thread_name(10, "worker");
  p.add_sample(10, s, 100);
  p.add_sample(11, s, 200);
  p.add_sample(11, s, 300);
  EXPECT_EQ(p.counters().samples, 3u);
  EXPECT_EQ(p.threads().at(11).samples, 2u);
  ASSERT_EQ(p.timeline().size(), 3u);
  EXPECT_EQ(p.timeline()[2].time_ns, 300u);
  CallTree flat = p.combined_tree(false);
  EXPECT_EQ(flat.size(), 2u);  // root + main
  CallTree by_thread = p.combined_tree(true);
  EXPECT_EQ(by_thread.node(CallTree::kRoot).children.size(), 2u);
  EXPECT_EQ(p.frames().get(p.thread_frame(10)).function, "thread 10 (worker)");
  p.reset_counts();
  EXPECT_EQ(p.counters().samples, 0u);
  EXPECT_EQ(p.combined_tree(false).total_samples(), 0u);
}

}  // namespace
}  // namespace cspy::aggregate

namespace cspy::aggregate {
namespace {

// --subprocesses: each stack under its process's root frame "name (PID)", above the thread
// roots; a thread not said to be another's is the recorded process's.
// [unknown] roots are unwind failures; those whose outermost unwound frame is JIT code are
// counted apart too.
TEST(Profile, UnwindFailuresInJitCodeCountedApart) {
  Profile p;
  FrameId unknown = p.frames().unknown();
  FrameId jit = p.frames().intern(Frame{.function = "JS:*hot", .kind = FrameKind::kJit});
  FrameId native = p.frames().intern(fn("leaf"));
  p.add_sample(1, std::vector<FrameId>{unknown, jit}, 0, 3);
  p.add_sample(1, std::vector<FrameId>{unknown, native, jit}, 0, 2);
  p.add_sample(1, std::vector<FrameId>{native, jit}, 0, 5);
  EXPECT_EQ(p.counters().samples, 10u);
  EXPECT_EQ(p.counters().unwind_failures, 5u);
  EXPECT_EQ(p.counters().unwind_failures_in_jit, 3u);
}

TEST(Profile, ProcessRootsAboveThreadRoots) {
  Profile p;
  p.info().pid = 10;
  p.info().process_roots = true;
  p.set_process_name(10, "sh");
  p.set_process_name(20, "julia");
  const FrameId f = p.frames().intern(fn("work"));
  p.add_sample(10, std::vector<FrameId>{f}, 0);
  p.set_thread_process(21, 20);
  p.add_sample(21, std::vector<FrameId>{f}, 0, 3);
  EXPECT_EQ(p.root_frames(true), 2u);
  EXPECT_EQ(p.root_frames(false), 1u);
  const CallTree tree = p.combined_tree(false);
  std::vector<std::string> roots;
  for (NodeId child : tree.node(CallTree::kRoot).children) {
    roots.push_back(p.frames().get(tree.node(child).frame).function + " " +
                    std::to_string(tree.node(child).total));
  }
  std::sort(roots.begin(), roots.end());
  EXPECT_EQ(roots, (std::vector<std::string>{"julia (20) 3", "sh (10) 1"}));
  // Without process roots, the same samples merge.
  p.info().process_roots = false;
  EXPECT_EQ(p.combined_tree(false).node(CallTree::kRoot).children.size(), 1u);
}

}  // namespace
}  // namespace cspy::aggregate
