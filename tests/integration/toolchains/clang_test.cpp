// Programs built by clang++ -O2 -g (DWARF 5, no .debug_aranges), sampled by PID: the chain
// target's stacks frame by frame with the inlined frame and every call site's file:line
// (the `// LINE:` markers, which tests/unit/symbolize's llvm-symbolizer agreement ties to
// the reference tool), complete to the entry point, none ending in an [unknown] root.
#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "support/child_process.h"
#include "support/test_files.h"

namespace cspy::test {
namespace {

using namespace std::chrono_literals;

std::string at_marker(const std::string& function, const std::string& marker) {
  return function + " (chain.cpp:" + std::to_string(marker_line("chain.cpp", marker)) + ")";
}

TEST(ClangToolchain, ChainByPidFrameByFrameWithInlinedFramesAndLines) {
  ChildProcess chain({target_binary("chain-clang"), "--mode", "spin"});
  ASSERT_TRUE(chain.started()) << "chain-clang is missing: bash scripts/install-deps.sh (clang)";
  ASSERT_TRUE(chain.wait_for_output("ready", 10s)) << chain.error_output();
  const std::string out = make_temp_dir() + "/out.folded";
  CommandResult r = run_command({cspy_binary(), "record", "--pid", std::to_string(chain.pid()),
                                 "-o", out, "--duration", "2", "--rate", "500", "--lines"},
                                60s);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto stacks = parse_folded(read_file(out));
  const std::uint64_t all = total_samples(stacks);
  ASSERT_GE(all, 100u) << r.err;  // ~1,000 when the machine is idle

  const std::string callers =
      at_marker("main", "main-call-outer") + ";" + at_marker("outer", "outer-call-middle") + ";" +
      at_marker("middle", "middle-call-leaf") + ";" + at_marker("leaf", "leaf-call-inlined-work");
  const std::regex expected("(.*;)?" + regex_escape(callers) +
                            R"(;inlined_work \(chain\.cpp:\d+\)(;.*)?)");
  std::uint64_t exact = 0;
  std::uint64_t unknown_roots = 0;
  std::string others;
  for (const auto& [stack, count] : stacks) {
    if (std::regex_match(stack, expected)) {
      exact += count;
    } else if (others.size() < 2000) {
      others += stack + " " + std::to_string(count) + "\n";
    }
    if (stack.starts_with("[unknown]")) unknown_roots += count;
  }
  EXPECT_GE(exact * 100, all * 95) << "expected ..." << callers << ";inlined_work (chain.cpp:N)"
                                   << " in 95% of " << all << " samples; others:\n"
                                   << others << r.err;
  EXPECT_EQ(unknown_roots, 0u) << others;
  EXPECT_NE(r.err.find(" 0.0% unwind failures"), std::string::npos) << r.err;
  EXPECT_TRUE(chain.running());
}

}  // namespace
}  // namespace cspy::test
