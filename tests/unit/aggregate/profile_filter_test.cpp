// Tests for ProfileFilter (--thread, --focus, --exclude) and for reading folded stacks.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "cspy/aggregate/folded_reader.h"
#include "cspy/aggregate/profile_filter.h"

namespace cspy::aggregate {
namespace {

// Two threads: 10 (main) and 11 (worker), and a lost record on 10.
Profile two_threads() {
  Profile p;
  auto f = [&p](const char* name) { return p.frames().intern(Frame{.function = name}); };
  const FrameId main = f("main"), parse = f("parse_expr"), lex = f("lex"), alloc = f("malloc");
  const FrameId run = f("worker_run"), crunch = f("crunch");
  p.set_thread_name(10, "main");
  p.set_thread_name(11, "worker");
  p.add_sample(10, std::vector<FrameId>{main, parse, lex}, 0, 5);
  p.add_sample(10, std::vector<FrameId>{main, parse, alloc}, 0, 2);
  p.add_sample(10, std::vector<FrameId>{main, alloc}, 0, 3);
  p.add_sample(11, std::vector<FrameId>{run, crunch}, 0, 7);
  p.add_sample(11, std::vector<FrameId>{run, parse}, 0, 1);
  p.add_lost(10, 4);
  return p;
}

// "thread;frame;frame" -> samples, over every thread's tree.
std::map<std::string, std::uint64_t> stacks(const Profile& p) {
  std::map<std::string, std::uint64_t> out;
  for (const auto& [tid, t] : p.threads()) {
    t.tree.walk([&](NodeId id, int) {
      const CallNode& node = t.tree.node(id);
      if (node.self == 0) return;
      std::string s = std::to_string(tid);
      for (FrameId f : t.tree.path(id)) s += ";" + p.frames().get(f).function;
      out[s] += node.self;
    });
  }
  return out;
}

Profile filtered(const Profile& p, const FilterSpec& spec) {
  auto filter = ProfileFilter::make(spec);
  EXPECT_TRUE(filter.has_value());
  auto out = filter->apply(p);
  EXPECT_TRUE(out.has_value()) << out.error().message();
  return std::move(*out);
}

TEST(ProfileFilter, EmptyFilterKeepsEverything) {
  Profile p = two_threads();
  auto filter = ProfileFilter::make({});
  ASSERT_TRUE(filter.has_value());
  EXPECT_TRUE(filter->empty());
  Profile same = filtered(p, {});
  EXPECT_EQ(stacks(same), stacks(p));
  EXPECT_EQ(same.counters().samples, 22u);
  EXPECT_EQ(same.counters().lost, 4u);
  EXPECT_EQ(same.threads().at(11).name, "worker");
}

TEST(ProfileFilter, ThreadByIdOrName) {
  Profile p = two_threads();
  const std::map<std::string, std::uint64_t> worker{{"11;worker_run;crunch", 7},
                                                    {"11;worker_run;parse_expr", 1}};
  EXPECT_EQ(stacks(filtered(p, {.thread = "worker"})), worker);
  EXPECT_EQ(stacks(filtered(p, {.thread = "11"})), worker);
  EXPECT_EQ(filtered(p, {.thread = "main"}).counters().samples, 14u);
  EXPECT_EQ(filtered(p, {.thread = "main"}).counters().lost, 4u);
}

TEST(ProfileFilter, UnknownThreadIsAUsageErrorListingThreads) {
  auto filter = ProfileFilter::make({.thread = "nope"});
  ASSERT_TRUE(filter.has_value());
  auto out = filter->apply(two_threads());
  ASSERT_FALSE(out.has_value());
  EXPECT_EQ(out.error().kind(), ErrorKind::kUsage);
  EXPECT_NE(out.error().message().find("11 (worker)"), std::string::npos) << out.error().message();
}

TEST(ProfileFilter, FocusKeepsStacksThroughAMatchingFrame) {
  Profile kept = filtered(two_threads(), {.focus = "^parse"});
  const std::map<std::string, std::uint64_t> want{{"10;main;parse_expr;lex", 5},
                                                  {"10;main;parse_expr;malloc", 2},
                                                  {"11;worker_run;parse_expr", 1}};
  EXPECT_EQ(stacks(kept), want);
  EXPECT_EQ(kept.counters().samples, 8u);
  EXPECT_EQ(kept.counters().lost, 0u);
}

TEST(ProfileFilter, ExcludeDropsStacksThroughAMatchingFrame) {
  Profile kept = filtered(two_threads(), {.exclude = "alloc|crunch"});
  const std::map<std::string, std::uint64_t> want{
      {"10;[lost]", 4}, {"10;main;parse_expr;lex", 5}, {"11;worker_run;parse_expr", 1}};
  EXPECT_EQ(stacks(kept), want);
}

TEST(ProfileFilter, FocusExcludeAndThreadTogether) {
  Profile kept = filtered(two_threads(), {.thread = "main", .focus = "parse", .exclude = "lex"});
  const std::map<std::string, std::uint64_t> want{{"10;main;parse_expr;malloc", 2}};
  EXPECT_EQ(stacks(kept), want);
}

TEST(ProfileFilter, BadRegexIsAUsageError) {
  auto filter = ProfileFilter::make({.focus = "(unclosed"});
  ASSERT_FALSE(filter.has_value());
  EXPECT_EQ(filter.error().kind(), ErrorKind::kUsage);
  EXPECT_NE(filter.error().message().find("--focus"), std::string::npos);
}

TEST(FoldedReader, ReadsStacksAndCounts) {
  Profile p;
  ASSERT_TRUE(add_folded_stacks("main;a;b 3\n\nmain;a 2\r\nmain;a;b 1\nx y;z  4", p).has_value());
  const std::map<std::string, std::uint64_t> want{
      {"0;main;a", 2}, {"0;main;a;b", 4}, {"0;x y;z", 4}};
  EXPECT_EQ(stacks(p), want);
  EXPECT_EQ(p.counters().samples, 10u);
}

TEST(FoldedReader, BadLinesAreErrorsWithTheirNumber) {
  for (const char* bad : {"main;a 1\nmain;a\n", "main;a 1\nmain;;a 2\n", "main;a 1\n 3\n",
                          "main;a 1\nmain;a -3\n", "main;a 1\nmain;a 1.5\n"}) {
    Profile p;
    auto read = add_folded_stacks(bad, p);
    ASSERT_FALSE(read.has_value()) << bad;
    EXPECT_EQ(read.error().kind(), ErrorKind::kBadInput);
    EXPECT_EQ(read.error().message().rfind("line 2: ", 0), 0u) << read.error().message();
    EXPECT_EQ(p.counters().samples, 0u) << bad;
  }
}

}  // namespace
}  // namespace cspy::aggregate
