// Replays the recorded chain samples (tests/data/replay) through the libunwind backend:
// it must give exactly libdw's chains (the agreement DESIGN.md asks for), symbolize to
// the chain's functions, and honour the depth limit and failure rules.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cspy/symbolize/symbolizer.h"
#include "cspy/unwind/unwinder.h"
#include "support/replay_data.h"

namespace cspy {
namespace {

using test::replay_data;

struct Replay {
  sampling::RawRecording rec;
  std::unique_ptr<modules::ModuleMap> modules;
};

Replay load() {
  auto rec = sampling::read_raw_file(replay_data("chain-spin.raw"));
  EXPECT_TRUE(rec) << rec.error().describe();
  if (!rec) return {};
  auto modules = test::replay_modules(*rec);
  EXPECT_TRUE(modules) << modules.error().describe();
  if (!modules) return {};
  return Replay{std::move(*rec), std::move(*modules)};
}

std::unique_ptr<unwind::Unwinder> libunwind(Replay& r, std::size_t max_depth = 512) {
  auto u = unwind::make_libunwind_unwinder(*r.modules, nullptr, r.rec.pid,
                                           unwind::UnwindOptions{.max_depth = max_depth});
  EXPECT_TRUE(u) << u.error().describe();
  return u ? std::move(*u) : nullptr;
}

std::string describe(const unwind::UnwoundStack& s) {
  std::string text;
  for (const auto& f : s.frames) text += " " + std::to_string(f.pc.value()) + (f.exact ? "!" : "");
  return text + " end=" + std::to_string(static_cast<int>(s.end));
}

TEST(UnwindLibunwindReplay, AgreesWithLibdwOnEverySample) {
  Replay r = load();
  ASSERT_TRUE(r.modules);
  // One ModuleMap each, as two runs would have.
  auto other_modules = test::replay_modules(r.rec);
  ASSERT_TRUE(other_modules);
  auto libdw =
      unwind::make_libdw_unwinder(**other_modules, nullptr, r.rec.pid, unwind::UnwindOptions{});
  ASSERT_TRUE(libdw) << libdw.error().describe();
  auto lu = libunwind(r);
  ASSERT_TRUE(lu);
  // Twice: the second pass runs from libunwind's warm cache and must not change a thing.
  for (int pass = 0; pass < 2; ++pass) {
    std::size_t complete = 0;
    for (const auto& s : r.rec.samples) {
      unwind::UnwoundStack a;
      unwind::UnwoundStack b;
      (*libdw)->unwind(s.sample, a);
      lu->unwind(s.sample, b);
      ASSERT_EQ(a.frames.size(), b.frames.size())
          << "libdw" << describe(a) << "\nlibunwind" << describe(b);
      for (std::size_t i = 0; i < a.frames.size(); ++i) {
        EXPECT_EQ(a.frames[i].pc, b.frames[i].pc) << "frame " << i;
        EXPECT_EQ(a.frames[i].exact, b.frames[i].exact) << "frame " << i;
      }
      EXPECT_EQ(a.end, b.end);
      if (b.end == unwind::StackEnd::kComplete) ++complete;
    }
    // The chain's threads start in libc's clone3: every stack reaches its root.
    EXPECT_EQ(complete, r.rec.samples.size()) << "pass " << pass;
  }
}

TEST(UnwindLibunwindReplay, SymbolizesToTheChain) {
  Replay r = load();
  ASSERT_TRUE(r.modules);
  auto lu = libunwind(r);
  ASSERT_TRUE(lu);
  symbolize::Symbolizer symbolizer(*r.modules, symbolize::SymbolizeOptions{});
  const std::vector<std::string> expected{"inlined_work", "leaf", "middle", "outer", "thread_main"};
  std::size_t matched = 0;
  unwind::UnwoundStack stack;
  for (const auto& s : r.rec.samples) {
    lu->unwind(s.sample, stack);
    EXPECT_TRUE(stack.frames.front().exact);
    std::vector<symbolize::SymbolFrame> frames;
    for (const auto& f : stack.frames) {
      for (const auto& sf : symbolizer.symbolize(f.lookup_pc())) frames.push_back(sf);
    }
    ASSERT_GE(frames.size(), expected.size());
    bool ok = true;
    for (std::size_t i = 0; i < expected.size(); ++i) ok = ok && frames[i].function == expected[i];
    if (ok) ++matched;
    EXPECT_TRUE(frames[0].inlined);
    EXPECT_EQ(frames[1].line, 61);  // leaf, at the call of inlined_work
    EXPECT_EQ(frames[4].line, 95);  // thread_main -> outer
  }
  EXPECT_EQ(matched, r.rec.samples.size());
}

TEST(UnwindLibunwindReplay, DepthLimitEndsInTruncated) {
  Replay r = load();
  ASSERT_TRUE(r.modules);
  auto lu = libunwind(r, 3);
  ASSERT_TRUE(lu);
  unwind::UnwoundStack stack;
  lu->unwind(r.rec.samples.front().sample, stack);
  EXPECT_EQ(stack.frames.size(), 3u);
  EXPECT_EQ(stack.end, unwind::StackEnd::kTruncated);
  // A limit the stack does not reach changes nothing.
  auto deep = libunwind(r, 64);
  ASSERT_TRUE(deep);
  deep->unwind(r.rec.samples.front().sample, stack);
  EXPECT_GT(stack.frames.size(), 5u);
  EXPECT_EQ(stack.end, unwind::StackEnd::kComplete);
}

TEST(UnwindLibunwindReplay, SampleWithoutStackOrRegistersFailsAsData) {
  Replay r = load();
  ASSERT_TRUE(r.modules);
  auto lu = libunwind(r);
  ASSERT_TRUE(lu);
  sampling::RawSample s = r.rec.samples.front().sample;
  s.stack = {};  // nothing to unwind through: the first frame only, marked failed
  unwind::UnwoundStack stack;
  lu->unwind(s, stack);
  ASSERT_GE(stack.frames.size(), 1u);
  EXPECT_EQ(stack.frames.front().pc, RemoteAddr(s.regs.ip()));
  EXPECT_TRUE(stack.frames.front().exact);
  EXPECT_EQ(stack.end, unwind::StackEnd::kFailed);
  s.has_regs = false;  // a kernel-only sample
  lu->unwind(s, stack);
  EXPECT_TRUE(stack.frames.empty());
  EXPECT_EQ(stack.end, unwind::StackEnd::kFailed);
}

}  // namespace
}  // namespace cspy
