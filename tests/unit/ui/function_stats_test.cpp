// Tests for compute_function_stats and sort_rows on hand-built Profiles: own and total,
// recursion counted once per stack, grouping by function vs line, one thread, sorting.
#include <gtest/gtest.h>

#include <vector>

#include "cspy/ui/function_stats.h"

namespace cspy::ui {
namespace {

using aggregate::Frame;
using aggregate::FrameId;
using aggregate::Profile;

FrameId fn(Profile& p, const std::string& name, int line = 0, const std::string& file = "a.cpp") {
  return p.frames().intern(Frame{.function = name, .module = "prog", .file = file, .line = line});
}

void add(Profile& p, pid_t tid, std::vector<FrameId> stack, std::uint64_t weight = 1) {
  p.add_sample(tid, stack, 0, weight);
}

const FunctionRow& row(const FunctionStats& s, const std::string& function, int line = 0) {
  for (const FunctionRow& r : s.rows) {
    if (r.function == function && r.line == line) return r;
  }
  ADD_FAILURE() << "no row " << function << ":" << line;
  static FunctionRow none;
  return none;
}

TEST(TopFunctionStats, OwnAndTotal) {
  Profile p;
  FrameId main = fn(p, "main"), a = fn(p, "a"), b = fn(p, "b");
  add(p, 1, {main, a, b}, 3);
  add(p, 1, {main, a}, 2);
  add(p, 1, {main, b}, 5);
  FunctionStats s = compute_function_stats(p, {});
  EXPECT_EQ(s.samples, 10u);
  EXPECT_EQ(s.rows.size(), 3u);
  EXPECT_EQ(row(s, "main").own, 0u);
  EXPECT_EQ(row(s, "main").total, 10u);
  EXPECT_EQ(row(s, "a").own, 2u);
  EXPECT_EQ(row(s, "a").total, 5u);
  EXPECT_EQ(row(s, "b").own, 8u);
  EXPECT_EQ(row(s, "b").total, 8u);
}

TEST(TopFunctionStats, RecursionCountsOncePerStack) {
  Profile p;
  FrameId main = fn(p, "main"), fib = fn(p, "fib"), leaf = fn(p, "leaf");
  add(p, 1, {main, fib, fib, fib, leaf}, 4);
  add(p, 1, {main, fib, fib}, 2);
  add(p, 1, {main, fib, leaf, fib}, 1);  // fib again below another function
  FunctionStats s = compute_function_stats(p, {});
  EXPECT_EQ(s.samples, 7u);
  EXPECT_EQ(row(s, "fib").total, 7u);
  EXPECT_EQ(row(s, "fib").own, 3u);
  EXPECT_EQ(row(s, "leaf").total, 5u);
  EXPECT_EQ(row(s, "leaf").own, 4u);
  for (const FunctionRow& r : s.rows) EXPECT_LE(r.total, s.samples) << r.function;
}

TEST(TopFunctionStats, RecursionThroughDifferentLinesIsOneFunction) {
  Profile p;
  FrameId main = fn(p, "main", 3), f10 = fn(p, "f", 10), f12 = fn(p, "f", 12);
  add(p, 1, {main, f10, f12}, 6);
  FunctionStats by_function = compute_function_stats(p, {.grouping = Grouping::kFunction});
  EXPECT_EQ(row(by_function, "f").total, 6u);
  EXPECT_EQ(row(by_function, "f").own, 6u);
  FunctionStats by_line = compute_function_stats(p, {.grouping = Grouping::kLine});
  EXPECT_EQ(row(by_line, "f", 10).total, 6u);
  EXPECT_EQ(row(by_line, "f", 10).own, 0u);
  EXPECT_EQ(row(by_line, "f", 12).total, 6u);
  EXPECT_EQ(row(by_line, "f", 12).own, 6u);
}

TEST(TopFunctionStats, GroupingByLineVsFunction) {
  Profile p;
  FrameId main = fn(p, "main", 5);
  FrameId work20 = fn(p, "work", 20), work21 = fn(p, "work", 21);
  add(p, 1, {main, work20}, 7);
  add(p, 1, {main, work21}, 3);
  FunctionStats by_function = compute_function_stats(p, {.grouping = Grouping::kFunction});
  ASSERT_EQ(by_function.rows.size(), 2u);
  EXPECT_EQ(row(by_function, "work").own, 10u);
  EXPECT_EQ(row(by_function, "work").line, 0);
  EXPECT_EQ(row(by_function, "work").file, "a.cpp");
  FunctionStats by_line = compute_function_stats(p, {.grouping = Grouping::kLine});
  ASSERT_EQ(by_line.rows.size(), 3u);
  EXPECT_EQ(row(by_line, "work", 20).own, 7u);
  EXPECT_EQ(row(by_line, "work", 21).own, 3u);
  EXPECT_EQ(row(by_line, "main", 5).total, 10u);
}

TEST(TopFunctionStats, SameNameInAnotherModuleIsAnotherFunction) {
  Profile p;
  FrameId a = p.frames().intern(Frame{.function = "init", .module = "liba.so"});
  FrameId b = p.frames().intern(Frame{.function = "init", .module = "libb.so"});
  add(p, 1, {a}, 1);
  add(p, 1, {b}, 2);
  EXPECT_EQ(compute_function_stats(p, {}).rows.size(), 2u);
}

TEST(TopFunctionStats, OneThreadOnly) {
  Profile p;
  FrameId main = fn(p, "main"), a = fn(p, "a"), b = fn(p, "b");
  add(p, 100, {main, a}, 4);
  add(p, 200, {main, b}, 6);
  FunctionStats all = compute_function_stats(p, {});
  EXPECT_EQ(all.samples, 10u);
  EXPECT_EQ(all.rows.size(), 3u);
  FunctionStats t200 = compute_function_stats(p, {.thread = 200});
  EXPECT_EQ(t200.samples, 6u);
  ASSERT_EQ(t200.rows.size(), 2u);
  EXPECT_EQ(row(t200, "b").own, 6u);
  EXPECT_EQ(row(t200, "main").total, 6u);
  EXPECT_EQ(compute_function_stats(p, {.thread = 999}).samples, 0u);
}

TEST(TopFunctionStats, SpecialFramesAreRowsSoCountsAddUp) {
  Profile p;
  add(p, 1, {fn(p, "a")}, 3);
  FrameId lost = p.frames().lost();
  add(p, 1, {lost}, 2);
  FunctionStats s = compute_function_stats(p, {});
  std::uint64_t own = 0;
  for (const FunctionRow& r : s.rows) own += r.own;
  EXPECT_EQ(own, s.samples);
  EXPECT_EQ(row(s, "[lost]").own, 2u);
}

TEST(TopFunctionStats, ResetCountsEmptiesTheRows) {
  Profile p;
  add(p, 1, {fn(p, "a")}, 3);
  p.reset_counts();
  FunctionStats s = compute_function_stats(p, {});
  EXPECT_EQ(s.samples, 0u);
  EXPECT_TRUE(s.rows.empty());
  add(p, 1, {fn(p, "b")}, 1);
  s = compute_function_stats(p, {});
  ASSERT_EQ(s.rows.size(), 1u);
  EXPECT_EQ(s.rows[0].function, "b");
}

TEST(TopSortRows, ByEachColumn) {
  std::vector<FunctionRow> rows = {
      {.function = "x", .own = 1, .total = 9},
      {.function = "y", .own = 5, .total = 5},
      {.function = "z", .own = 3, .total = 7},
  };
  auto names = [&rows] {
    std::string s;
    for (const auto& r : rows) s += r.function;
    return s;
  };
  sort_rows(rows, SortColumn::kOwnPercent);
  EXPECT_EQ(names(), "yzx");
  sort_rows(rows, SortColumn::kTotalPercent);
  EXPECT_EQ(names(), "xzy");
  sort_rows(rows, SortColumn::kOwnTime);
  EXPECT_EQ(names(), "yzx");
  sort_rows(rows, SortColumn::kTotalTime);
  EXPECT_EQ(names(), "xzy");
}

TEST(TopSortRows, TiesByTheOtherCountThenName) {
  std::vector<FunctionRow> rows = {
      {.function = "b", .own = 2, .total = 4},
      {.function = "a", .own = 2, .total = 4},
      {.function = "c", .own = 2, .total = 8},
  };
  sort_rows(rows, SortColumn::kOwnPercent);
  EXPECT_EQ(rows[0].function, "c");
  EXPECT_EQ(rows[1].function, "a");
  EXPECT_EQ(rows[2].function, "b");
}

}  // namespace
}  // namespace cspy::ui
