// A Go program built by Debian's Go (no modules, GOCACHE and GOPATH in the test's directory),
// with and without DWARF, sampled by PID: its goroutine's whole stack runtime.goexit ->
// runtime.main -> main.main -> main.outer -> main.middle -> main.leaf, named as `go tool addr2line`
// names each function, ending at the goroutine's root (not an unwind failure), none with an
// [unknown] root.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "support/child_process.h"
#include "support/test_files.h"
#include "toolchain_runs.h"

namespace cspy::test {
namespace {

using namespace std::chrono_literals;

// `go` with its caches and GOPATH in `dir`, nothing downloaded.
std::vector<std::string> go_command(const std::string& dir, std::vector<std::string> args) {
  std::vector<std::string> argv = {"env",
                                   "HOME=" + dir + "/go-home",
                                   "GOCACHE=" + dir + "/go-cache",
                                   "GOPATH=" + dir + "/go-path",
                                   "GO111MODULE=off",
                                   "GOPROXY=off",
                                   "GOFLAGS=",
                                   "CGO_ENABLED=0",
                                   "go"};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

// The names `go tool addr2line` gives the functions the symbol table (`go tool nm`) calls
// `symbols`, at each one's first instruction, in that order ("" for a symbol not found).
std::vector<std::string> reference_names(const std::string& dir, const std::string& binary,
                                         const std::vector<std::string>& symbols) {
  std::map<std::string, std::string> addresses;
  for (const std::string& line :
       lines_of(run_command(go_command(dir, {"tool", "nm", binary})).out)) {
    std::istringstream fields(line);  // "  48d980 T main.leaf"
    std::string address;
    std::string type;
    std::string name;
    if (fields >> address >> type >> name) addresses[name] = address;
  }
  std::string input;
  for (const std::string& symbol : symbols) {
    input += "0x" + (addresses.count(symbol) != 0 ? addresses[symbol] : "0") + "\n";
  }
  const std::string input_file = dir + "/addr2line.in";
  if (!write_file(input_file, input)) return {};
  CommandResult r = run_command({"sh", "-c", "exec \"$@\" < " + input_file, "sh", "env",
                                 "HOME=" + dir + "/go-home", "GOCACHE=" + dir + "/go-cache", "go",
                                 "tool", "addr2line", binary});
  // Two lines per address: the function, then file:line.
  const auto lines = lines_of(r.out);
  std::vector<std::string> names;
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    const std::string& symbol = symbols[i];
    names.push_back(addresses.count(symbol) != 0 && 2 * i < lines.size() ? lines[2 * i] : "");
  }
  return names;
}

// go_chain built into a test directory `name` (its path; a test failure and "" if go fails),
// with DWARF (Go's default: .debug_frame, no .eh_frame) or without (-ldflags=-w: symbol
// table and frame pointers only).
std::string build_go_chain(const std::string& name, bool dwarf = true) {
  const std::string dir = make_test_dir(name);
  const std::string binary = dir + "/go_chain";
  std::vector<std::string> args = {"build", "-o", binary};
  if (!dwarf) args.emplace_back("-ldflags=-w");
  args.push_back(target_source("go_chain.go"));
  CommandResult built = run_command(go_command(dir, args), 180s);
  EXPECT_EQ(built.exit_code, 0) << built.out << built.err;
  return built.exit_code == 0 ? binary : "";
}

class GoToolchain : public ::testing::TestWithParam<std::string> {};

TEST_P(GoToolchain, GoroutineStackByPidFrameByFrameNamedAsGoTools) {
  CSPY_REQUIRE_TOOL(have_program("go"), "go is missing: bash scripts/install-deps.sh (golang-go)");
  const std::string binary = build_go_chain("toolchains-go-" + GetParam(), GetParam() == "dwarf");
  ASSERT_FALSE(binary.empty());
  const std::string dir = binary.substr(0, binary.rfind('/'));
  const std::vector<std::string> symbols = {"runtime.goexit.abi0", "runtime.main", "main.main",
                                            "main.outer",          "main.middle",  "main.leaf"};
  const std::vector<std::string> names = reference_names(dir, binary, symbols);
  ASSERT_EQ(names.size(), symbols.size()) << "go tool nm / addr2line " << binary;
  std::string stack;
  for (const std::string& name : names) {
    ASSERT_FALSE(name.empty()) << "go tool nm / addr2line " << binary;
    stack += (stack.empty() ? "" : ";") + name;
  }
  EXPECT_EQ(stack, "runtime.goexit;runtime.main;main.main;main.outer;main.middle;main.leaf");

  ChildProcess chain({binary});
  ASSERT_TRUE(chain.started()) << chain.error_output();
  ASSERT_TRUE(chain.wait_for_output("ready", 10s)) << chain.error_output();
  const Recording rec = record_by_pid(chain.pid());
  ASSERT_EQ(rec.exit_code, 0) << rec.err;

  const ChainCount c = count_chain(rec.stacks, std::regex(regex_escape(stack)));
  ASSERT_GE(c.all, 100u) << rec.err;  // ~1,000 when the machine is idle
  EXPECT_GE(c.matching * 100, c.all * 95)
      << "expected " << stack << " in 95% of " << c.all << " samples; others:\n"
      << c.others << rec.err;
  // A sample inside runtime.mcall after its switch to g0 (the goroutine's state is only in
  // g.sched, which cspy does not read yet) is a true unwind failure: 1 in ~1,000 seen.
  EXPECT_LE(c.unknown_roots * 100, c.all) << c.others;
  // The runtime's threads (sysmon) end at runtime.mstart, as in Go's tracebacks.
  EXPECT_EQ(count_matching(rec.stacks, "runtime.clone"), 0u) << c.others;
  EXPECT_TRUE(chain.running());
}

INSTANTIATE_TEST_SUITE_P(Debug, GoToolchain, ::testing::Values("dwarf", "nodwarf"),
                         [](const auto& param_info) { return param_info.param; });

// Allocating 64 KiB buffers, the program runs much on the g0 stack (runtime.systemstack:
// span allocation, GC work): frame pointers lead from there back into the goroutine's
// stack, to runtime.goexit (CFI alone reads stale g0 words there: none did, and 20-26% of
// all samples were unwind failures). The goroutine's words are read live, after the sample,
// so a goroutine that went on meanwhile can still break a few.
TEST(GoStacks, SystemStackFollowedIntoTheGoroutineStack) {
  CSPY_REQUIRE_TOOL(have_program("go"), "go is missing: bash scripts/install-deps.sh (golang-go)");
  const std::string binary = build_go_chain("toolchains-go-alloc");
  ASSERT_FALSE(binary.empty());
  ChildProcess chain({binary, "-alloc"});
  ASSERT_TRUE(chain.started()) << chain.error_output();
  ASSERT_TRUE(chain.wait_for_output("ready", 10s)) << chain.error_output();
  const Recording rec = record_by_pid(chain.pid());
  ASSERT_EQ(rec.exit_code, 0) << rec.err;

  std::uint64_t all = 0;
  std::uint64_t on_g0 = 0;
  std::uint64_t to_goexit = 0;
  std::string others;
  for (const auto& [stack, count] : rec.stacks) {
    all += count;
    if (stack.find(";runtime.systemstack;") == std::string::npos) continue;
    on_g0 += count;
    if (stack.starts_with("runtime.goexit;")) {
      to_goexit += count;
    } else if (others.size() < 3000) {
      others += stack + " " + std::to_string(count) + "\n";
    }
  }
  ASSERT_GE(all, 100u) << rec.err;
  ASSERT_GE(on_g0 * 20, all) << "expected 5% of " << all << " samples under runtime.systemstack";
  EXPECT_GE(to_goexit * 3, on_g0 * 2) << to_goexit << " of " << on_g0
                                      << " samples under runtime.systemstack reach "
                                         "runtime.goexit; others:\n"
                                      << others << rec.err;
  EXPECT_TRUE(chain.running());
}

}  // namespace
}  // namespace cspy::test
