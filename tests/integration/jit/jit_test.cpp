// JIT code: node running a hot JavaScript loop. With --perf-basic-prof, V8's perf map
// names the hot function; without it, the JIT code is [anon] and never credited to the
// node executable (V8 maps JIT code between node's own segments).
#include <gtest/gtest.h>

#include <thread>

#include "support/child_process.h"
#include "support/test_files.h"

namespace cspy::test {
namespace {

using namespace std::chrono_literals;

// The innermost frame of each stack, with its count.
std::map<std::string, std::uint64_t> leaves(const std::map<std::string, std::uint64_t>& stacks) {
  std::map<std::string, std::uint64_t> out;
  for (const auto& [stack, count] : stacks) {
    const auto semi = stack.rfind(';');
    out[stack.substr(semi == std::string::npos ? 0 : semi + 1)] += count;
  }
  return out;
}

std::map<std::string, std::uint64_t> record_node(const std::vector<std::string>& node_flags,
                                                 std::string& err) {
  std::vector<std::string> argv{find_program("node")};
  argv.insert(argv.end(), node_flags.begin(), node_flags.end());
  argv.push_back(target_binary("hot_loop.js"));
  argv.emplace_back("30");
  ChildProcess node(argv);
  EXPECT_TRUE(node.wait_for_output("ready", 20s));
  std::this_thread::sleep_for(500ms);  // V8 optimises the loop
  const std::string out = make_temp_dir() + "/node.folded";
  CommandResult r = run_command({cspy_binary(), "record", "--pid", std::to_string(node.pid()), "-d",
                                 "2", "--rate", "200", "-o", out},
                                60s);
  err = r.err;
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return parse_folded(read_file(out));
}

TEST(Jit, PerfMapNamesTheHotJavaScriptFunction) {
  std::string err;
  // V8 also writes a log with the perf map: into a temporary directory, not the cwd.
  const auto stacks = record_node(
      {"--perf-basic-prof", "--no-logfile-per-isolate", "--logfile=" + make_temp_dir() + "/v8.log"},
      err);
  const std::uint64_t all = total_samples(stacks);
  ASSERT_GE(all, 50u) << err;
  std::uint64_t hot = 0;
  for (const auto& [leaf, count] : leaves(stacks)) {
    if (leaf.find("innerHotLoop") != std::string::npos) hot += count;
  }
  EXPECT_GE(hot * 100, all * 90) << err;
  // With the native frames below it, down to the program's start.
  EXPECT_GE(count_matching(stacks, "_start;") * 100, all * 90) << err;
  EXPECT_GE(count_matching(stacks, "node::Start") * 100, all * 90) << err;
}

TEST(Jit, WithoutAPerfMapJitCodeIsNeverCreditedToNode) {
  std::string err;
  const auto stacks = record_node({}, err);
  const std::uint64_t all = total_samples(stacks);
  ASSERT_GE(all, 50u) << err;
  EXPECT_EQ(count_matching(stacks, "node+0x"), 0u) << err;
  EXPECT_GE(leaves(stacks)["[anon]"] * 100, all * 80) << err;
}

}  // namespace
}  // namespace cspy::test
