// The pipeline end to end on recorded data: tests/data/replay/chain-spin.raw through
// pipeline::replay (unwind, symbolize, intern, count) into folded text, compared byte for
// byte with tests/data/pipeline/*.folded. Only the chain binary is mapped (libc differs
// between machines), so the stacks stop at chain's callers in libc: an [unknown] root.
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "cspy/output/writer.h"
#include "cspy/pipeline/replay.h"
#include "support/replay_data.h"
#include "support/test_files.h"

namespace cspy {
namespace {

// The recorded maps' lines for the chain binary alone, pointed at tests/data's copy.
std::string chain_only_maps(const std::string& maps) {
  std::istringstream in(maps);
  std::string out;
  for (std::string line; std::getline(in, line);) {
    if (line.find(test::kRecordedChainPath) != std::string::npos) out += line + "\n";
  }
  return test::remap_chain(out);
}

struct Replayed {
  aggregate::Profile profile;
  std::string folded;
};

Replayed replay_chain(const pipeline::InterpreterOptions& options, bool thread_roots) {
  Replayed r;
  auto recording = sampling::read_raw_file(test::replay_data("chain-spin.raw"));
  EXPECT_TRUE(recording) << recording.error().describe();
  if (!recording) return r;
  auto replayed = pipeline::replay(
      *recording, r.profile, options, nullptr,
      [](const std::string& m) -> Result<std::string> { return chain_only_maps(m); });
  EXPECT_TRUE(replayed) << replayed.error().describe();
  std::ostringstream out;
  output::write_folded(
      r.profile, output::WriteOptions{.thread_roots = thread_roots, .lines = options.lines}, out);
  r.folded = out.str();
  return r;
}

TEST(PipelineReplay, ChainRecordingToFolded) {
  Replayed r = replay_chain({}, false);
  EXPECT_EQ(test::check_golden_file("pipeline/chain-spin.folded", r.folded), "");
  // The counters add up to the samples in the stacks, failures included.
  EXPECT_EQ(test::total_samples(test::parse_folded(r.folded)), r.profile.counters().samples);
  EXPECT_EQ(r.profile.counters().samples, r.profile.combined_tree(false).total_samples());
}

TEST(PipelineReplay, LinesAndThreadsToFolded) {
  Replayed r = replay_chain({.lines = true}, true);
  EXPECT_EQ(test::check_golden_file("pipeline/chain-spin-lines-threads.folded", r.folded), "");
}

TEST(PipelineReplay, NoInlineGivesTheTimeToTheCaller) {
  Replayed with = replay_chain({}, false);
  Replayed without = replay_chain({.inline_frames = false}, false);
  auto stacks = test::parse_folded(without.folded);
  EXPECT_EQ(test::count_matching(stacks, "inlined_work"), 0u);
  EXPECT_GT(test::count_matching(test::parse_folded(with.folded), "inlined_work"), 0u);
  EXPECT_EQ(test::total_samples(stacks), test::total_samples(test::parse_folded(with.folded)));
}

TEST(PipelineReplay, LibunwindGivesTheSameStacks) {
  Replayed dw = replay_chain({}, false);
  Replayed lu = replay_chain({.unwinder = pipeline::UnwinderKind::kLibunwind}, false);
  EXPECT_EQ(dw.folded, lu.folded);
}

}  // namespace
}  // namespace cspy
