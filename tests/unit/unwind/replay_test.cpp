// Replays recorded raw samples (tests/data/replay) through the libdw unwinder and the
// symbolizer, with no live process: the chain target's frames, inlined frame and lines.
#include <gtest/gtest.h>

#include <string>

#include "cspy/sampling/raw_file.h"
#include "cspy/symbolize/symbolizer.h"
#include "cspy/unwind/unwinder.h"
#include "support/replay_data.h"

namespace cspy {
namespace {

using test::kRecordedChainPath;
using test::replay_data;
using test::replay_modules;

TEST(Replay, ReadsTheRawFile) {
  auto rec = sampling::read_raw_file(replay_data("chain-spin.raw"));
  ASSERT_TRUE(rec) << rec.error().describe();
  EXPECT_GT(rec->pid, 0);
  EXPECT_GE(rec->samples.size(), 20u);
  EXPECT_NE(rec->own.maps.find(kRecordedChainPath), std::string::npos);
  for (const auto& s : rec->samples) {
    EXPECT_TRUE(s.sample.has_regs);
    EXPECT_EQ(s.sample.stack.size(), s.stack.size());
    EXPECT_LE(s.stack.size(), 4096u);
  }
}

TEST(Replay, RejectsGarbage) {
  auto rec = sampling::read_raw_file(replay_data("README.md"));
  ASSERT_FALSE(rec);
  EXPECT_NE(rec.error().message().find("not a cspy raw sample file"), std::string::npos);
  EXPECT_FALSE(sampling::read_raw_file(replay_data("no-such-file.raw")));
}

TEST(Replay, UnwindsAndSymbolizesEverySampleToTheChain) {
  auto rec = sampling::read_raw_file(replay_data("chain-spin.raw"));
  ASSERT_TRUE(rec);
  auto modules = replay_modules(*rec);
  ASSERT_TRUE(modules) << modules.error().describe();
  auto unwinder =
      unwind::make_libdw_unwinder(**modules, nullptr, rec->pid, unwind::UnwindOptions{});
  ASSERT_TRUE(unwinder) << unwinder.error().describe();
  symbolize::Symbolizer symbolizer(**modules, symbolize::SymbolizeOptions{});

  const std::vector<std::string> expected{"inlined_work", "leaf", "middle", "outer", "thread_main"};
  std::size_t matched = 0;
  unwind::UnwoundStack stack;
  for (const auto& s : rec->samples) {
    (*unwinder)->unwind(s.sample, stack);
    std::vector<symbolize::SymbolFrame> frames;
    for (const auto& f : stack.frames) {
      for (const auto& sf : symbolizer.symbolize(f.lookup_pc())) frames.push_back(sf);
    }
    ASSERT_GE(frames.size(), expected.size());
    bool ok = true;
    for (std::size_t i = 0; i < expected.size(); ++i) ok = ok && frames[i].function == expected[i];
    if (!ok) continue;
    ++matched;
    EXPECT_TRUE(frames[0].inlined);
    EXPECT_FALSE(frames[1].inlined);
    EXPECT_EQ(frames[0].module, "chain");
    EXPECT_NE(frames[1].file.find("chain.cpp"), std::string::npos);
    // Call-site lines baked into the recorded binary's debug info.
    EXPECT_EQ(frames[1].line, 61);  // leaf, at the call of inlined_work
    EXPECT_EQ(frames[2].line, 81);  // middle -> leaf
    EXPECT_EQ(frames[3].line, 87);  // outer -> middle
    EXPECT_EQ(frames[4].line, 95);  // thread_main -> outer
  }
  EXPECT_EQ(matched, rec->samples.size());
}

TEST(Replay, DepthLimitEndsInTruncated) {
  auto rec = sampling::read_raw_file(replay_data("chain-spin.raw"));
  ASSERT_TRUE(rec);
  auto modules = replay_modules(*rec);
  ASSERT_TRUE(modules);
  auto unwinder = unwind::make_libdw_unwinder(**modules, nullptr, rec->pid,
                                              unwind::UnwindOptions{.max_depth = 3});
  ASSERT_TRUE(unwinder);
  unwind::UnwoundStack stack;
  (*unwinder)->unwind(rec->samples.front().sample, stack);
  EXPECT_EQ(stack.frames.size(), 3u);
  EXPECT_EQ(stack.end, unwind::StackEnd::kTruncated);
}

TEST(Replay, SampleWithoutStackFailsAsData) {
  auto rec = sampling::read_raw_file(replay_data("chain-spin.raw"));
  ASSERT_TRUE(rec);
  auto modules = replay_modules(*rec);
  ASSERT_TRUE(modules);
  auto unwinder =
      unwind::make_libdw_unwinder(**modules, nullptr, rec->pid, unwind::UnwindOptions{});
  ASSERT_TRUE(unwinder);
  sampling::RawSample s = rec->samples.front().sample;
  s.stack = {};  // nothing to unwind through: the first frame only, marked failed
  unwind::UnwoundStack stack;
  (*unwinder)->unwind(s, stack);
  EXPECT_GE(stack.frames.size(), 1u);
  EXPECT_EQ(stack.end, unwind::StackEnd::kFailed);
}

}  // namespace
}  // namespace cspy
