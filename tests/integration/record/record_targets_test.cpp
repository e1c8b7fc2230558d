// `cspy record` on purpose-built targets: a library dlopen'ed after attach (live and
// replayed from the raw file), the known
// 75/25 split of CPU time, and deep recursion against the depth limit.
#include <gtest/gtest.h>

#include "support/child_process.h"
#include "support/test_files.h"

namespace cspy::test {
namespace {

using namespace std::chrono_literals;

TEST(RecordDlopen, LibraryLoadedAfterAttachIsUnwoundAndNamed) {
  ChildProcess host({target_binary("dlopen_host"), target_binary("libplugin.so"), "--delay", "1",
                     "--seconds", "30"});
  ASSERT_TRUE(host.wait_for_output("ready", 10s));
  const std::string dir = make_temp_dir();
  std::string out = dir + "/out.folded";
  ChildProcess cspy({cspy_binary(), "record", "--pid", std::to_string(host.pid()), "-o", out, "-d",
                     "2.5", "-r", "400", "--raw", dir + "/run.raw"});
  ASSERT_TRUE(host.wait_for_output("loaded", 10s)) << "the library was loaded while cspy sampled";
  ASSERT_EQ(cspy.wait(30s), 0) << cspy.error_output();
  auto stacks = parse_folded(read_file(out));
  // ~400 and ~600 samples on an idle machine; CI shares the CPU.
  EXPECT_GE(count_matching(stacks, "main;host_spin"), 20u);
  std::uint64_t plugin = count_matching(stacks, "main;plugin_spin");
  EXPECT_GE(plugin, 30u) << "samples in the dlopen'ed library, fully unwound";
  // A sample taken while ld.so is still mapping the library can fail to unwind (its maps
  // are half written); anything beyond that moment must unwind.
  EXPECT_LE(count_matching(stacks, "[unknown]") * 50, total_samples(stacks));
  // The replay names the library's samples too, although the maps written before the
  // dlopen lack it (a miss looks at the next maps written, which only add files).
  CommandResult report =
      run_command({cspy_binary(), "report", dir + "/run.raw", "-o", dir + "/replay.folded"}, 60s);
  ASSERT_EQ(report.exit_code, 0) << report.err;
  auto replayed = parse_folded(read_file(dir + "/replay.folded"));
  EXPECT_EQ(total_samples(replayed), total_samples(stacks));
  EXPECT_NEAR(static_cast<double>(count_matching(replayed, "main;plugin_spin")),
              static_cast<double>(plugin), 2)
      << read_file(dir + "/replay.folded");
}

TEST(RecordSplit, KnownSplitIsMeasuredWithinTolerance) {
  std::string out = make_temp_dir() + "/out.folded";
  CommandResult r = run_command({cspy_binary(), "record", "-o", out, "-r", "1000", "--",
                                 target_binary("split"), "--seconds", "3"},
                                60s);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto stacks = parse_folded(read_file(out));
  double all = static_cast<double>(total_samples(stacks));
  // ~3000 samples on an idle machine; at least 300 keep one standard deviation of the
  // measured split under 2.5 percentage points.
  ASSERT_GE(all, 300) << r.err;
  double a = static_cast<double>(count_matching(stacks, ";work_a")) / all;
  double b = static_cast<double>(count_matching(stacks, ";work_b")) / all;
  // 75% / 25% by construction; the tolerance is wide for a shared, noisy machine.
  EXPECT_NEAR(a, 0.75, 0.08) << r.err;
  EXPECT_NEAR(b, 0.25, 0.08) << r.err;
}

TEST(RecordSplit, DeepRecursionIsUnwoundFullyOrTruncatedAtTheLimit) {
  std::string deep = make_temp_dir() + "/deep.folded";
  CommandResult full = run_command({cspy_binary(), "record", "-o", deep, "--",
                                    target_binary("split"), "--seconds", "1.5", "--depth", "300"},
                                   60s);
  ASSERT_EQ(full.exit_code, 0) << full.err;
  auto stacks = parse_folded(read_file(deep));
  std::string chain = "main";
  for (int i = 0; i <= 300; ++i) chain += ";recurse";
  chain += ";run_rounds;work_";
  EXPECT_GE(count_matching(stacks, chain) * 10, total_samples(stacks) * 9)
      << "301 recurse frames under main";

  std::string cut = make_temp_dir() + "/cut.folded";
  CommandResult limited =
      run_command({cspy_binary(), "record", "-o", cut, "--max-depth", "50", "--",
                   target_binary("split"), "--seconds", "1", "--depth", "300"},
                  60s);
  ASSERT_EQ(limited.exit_code, 0) << limited.err;
  auto cut_stacks = parse_folded(read_file(cut));
  // A stack as deep as the limit ends in [truncated]. A few samples may come before the
  // recursion (the dynamic loader, on a loaded machine) or after it.
  for (const auto& [stack, count] : cut_stacks) {
    if (stack.rfind("[truncated];", 0) == 0) continue;
    std::size_t recurse_frames = 0;
    for (auto at = stack.find("recurse"); at != std::string::npos;
         at = stack.find("recurse", at + 1)) {
      ++recurse_frames;
    }
    EXPECT_LT(recurse_frames, 50u) << stack;
  }
  EXPECT_GE(count_matching(cut_stacks, "[truncated];recurse") * 10, total_samples(cut_stacks) * 9);
  EXPECT_GT(total_samples(cut_stacks), 0u);
  EXPECT_NE(limited.err.find("truncated"), std::string::npos);
}

}  // namespace
}  // namespace cspy::test
