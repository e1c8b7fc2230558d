// `cspy record` on the chain target: exact stacks frame by frame (including the inlined
// frame and its file:line), every thread, both samplers, every binary variant.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>

#include "support/child_process.h"
#include "support/test_files.h"

namespace cspy::test {
namespace {

using namespace std::chrono_literals;

// Samples whose stack contains `chain` (a ';'-joined run of frames, root first).
std::uint64_t containing(const std::map<std::string, std::uint64_t>& stacks,
                         const std::string& chain) {
  std::uint64_t n = 0;
  for (const auto& [s, c] : stacks) {
    if ((";" + s + ";").find(";" + chain + ";") != std::string::npos) n += c;
  }
  return n;
}

struct Recorded {
  CommandResult result;
  std::map<std::string, std::uint64_t> stacks;
};

Recorded record_pid(pid_t pid, std::vector<std::string> extra) {
  std::string out = make_temp_dir() + "/out.folded";
  std::vector<std::string> argv{cspy_binary(), "record", "--pid",      std::to_string(pid),
                                "-o",          out,      "--duration", "1.5",
                                "--rate",      "400"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  Recorded r;
  r.result = run_command(argv, 60s);
  r.stacks = parse_folded(read_file(out));
  return r;
}

class RecordChain : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(RecordChain, SpinningChainFrameByFrame) {
  auto [variant, sampler] = GetParam();
  ChildProcess chain({target_binary(variant), "--mode", "spin"});
  ASSERT_TRUE(chain.wait_for_output("ready", 10s));
  Recorded r = record_pid(chain.pid(), {"--sampler", sampler, "--lines"});
  ASSERT_EQ(r.result.exit_code, 0) << r.result.err;
  std::uint64_t all = total_samples(r.stacks);
  ASSERT_GE(all, 30u) << r.result.err;  // ~300 when the machine is idle
  // Callers at their call lines exactly; the inlined spin loop at its marked line, or the
  // `for` and `asm` lines around it (the loop's own instructions).
  const int spin = marker_line("chain.cpp", "inlined-work-spin");
  std::string callers =
      "main (chain.cpp:" + std::to_string(marker_line("chain.cpp", "main-call-outer")) +
      ");outer (chain.cpp:" + std::to_string(marker_line("chain.cpp", "outer-call-middle")) +
      ");middle (chain.cpp:" + std::to_string(marker_line("chain.cpp", "middle-call-leaf")) +
      ");leaf (chain.cpp:" + std::to_string(marker_line("chain.cpp", "leaf-call-inlined-work")) +
      ")";
  std::regex expected(".*;" + regex_escape(callers) + R"(;inlined_work \(chain\.cpp:(\d+)\)$)");
  std::uint64_t exact = 0;
  std::map<int, std::uint64_t> spin_lines;
  for (const auto& [s, c] : r.stacks) {
    std::smatch m;
    if (!std::regex_match(s, m, expected)) continue;
    int line = std::stoi(m[1]);
    spin_lines[line] += c;
    if (line >= spin - 1 && line <= spin + 1) exact += c;
  }
  EXPECT_GE(exact * 100, all * 90) << "expected most stacks to end in " << callers
                                   << ";inlined_work (chain.cpp:" << spin << ")\n"
                                   << r.result.err;
  auto hottest = std::max_element(spin_lines.begin(), spin_lines.end(),
                                  [](const auto& a, const auto& b) { return a.second < b.second; });
  ASSERT_NE(hottest, spin_lines.end());
  EXPECT_EQ(hottest->first, spin);
  EXPECT_FALSE(process_is_stopped(chain.pid()));
  EXPECT_TRUE(chain.running());
}

INSTANTIATE_TEST_SUITE_P(Variants, RecordChain,
                         ::testing::Combine(::testing::Values("chain", "chain-fp", "chain-nopie",
                                                              "chain-stripped"),
                                            ::testing::Values("perf_event", "ptrace")),
                         variant_sampler_name);

TEST(RecordChainThreads, EveryThreadHasItsOwnRootAndTheFullChain) {
  ChildProcess chain({target_binary("chain"), "--mode", "spin", "--threads", "2"});
  ASSERT_TRUE(chain.wait_for_output("ready", 10s));
  Recorded r = record_pid(chain.pid(), {"--threads"});
  ASSERT_EQ(r.result.exit_code, 0) << r.result.err;
  std::map<std::string, std::uint64_t> per_thread;
  for (const auto& [s, c] : r.stacks) {
    if (s.find("thread_main;outer;middle;leaf;inlined_work") != std::string::npos) {
      per_thread[s.substr(0, s.find(';'))] += c;
    }
  }
  ASSERT_EQ(per_thread.size(), 2u) << r.result.err;
  for (const auto& [thread, count] : per_thread) {
    EXPECT_TRUE(std::regex_match(thread, std::regex(R"(thread \d+ \(chain\))"))) << thread;
    EXPECT_GE(count, 20u) << thread;  // ~150 on an idle machine; CPU is shared in CI
  }
  EXPECT_NE(r.result.err.find("3 threads"), std::string::npos) << r.result.err;
}

TEST(RecordChainThreads, ThreadsBornAfterAttachAreSampled) {
  // The launched program creates its threads after cspy has attached.
  std::string out = make_temp_dir() + "/out.folded";
  CommandResult r =
      run_command({cspy_binary(), "record", "-o", out, "--threads", "--", target_binary("chain"),
                   "--mode", "spin", "--threads", "2", "--seconds", "1.5"},
                  60s);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto stacks = parse_folded(read_file(out));
  // Two spinning threads for 1.5 s at 100 Hz: ~300 samples on an idle machine, far
  // fewer when CI shares the CPU; what matters is that threads born later are sampled.
  EXPECT_GE(containing(stacks, "thread_main;outer;middle;leaf;inlined_work"), 30u) << r.err;
}

TEST(RecordChainIdle, BlockedThreadsCostNoSamplesOnCpu) {
  ChildProcess chain({target_binary("chain"), "--mode", "sleep"});
  ASSERT_TRUE(chain.wait_for_output("ready", 10s));
  Recorded r = record_pid(chain.pid(), {});
  ASSERT_EQ(r.result.exit_code, 0) << r.result.err;
  // task-clock counts on-CPU time only: a sleeping thread yields (almost) nothing.
  EXPECT_LE(total_samples(r.stacks), 20u);
  EXPECT_TRUE(chain.running());
}

TEST(RecordChainIdle, IdleSamplesBlockedThreadsWithTheirStacks) {
  for (const char* sampler : {"perf_event", "ptrace"}) {
    ChildProcess chain({target_binary("chain"), "--mode", "read"});
    ASSERT_TRUE(chain.wait_for_output("ready", 10s));
    Recorded r = record_pid(chain.pid(), {"--idle", "--sampler", sampler});
    ASSERT_EQ(r.result.exit_code, 0) << r.result.err;
    // 400 Hz for 1.5 s of a thread blocked in read(): wall-clock samples with the chain.
    EXPECT_GE(containing(r.stacks, "main;outer;middle;leaf"), 150u) << sampler << "\n"
                                                                    << r.result.err;
    EXPECT_GE(containing(r.stacks, "main;outer;middle;leaf") * 10, total_samples(r.stacks) * 9)
        << sampler;
    EXPECT_TRUE(chain.running()) << sampler;
    EXPECT_FALSE(process_is_stopped(chain.pid())) << sampler;
  }
}

}  // namespace
}  // namespace cspy::test
