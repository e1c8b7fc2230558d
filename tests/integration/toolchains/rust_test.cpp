// A Rust program built by Debian's rustc (-C opt-level=2 -g, no crates) with legacy and v0
// symbol mangling, sampled by PID: its chain main -> hot::chain::outer -> middle -> leaf ->
// inlined_work frame by frame under the std runtime's start (lang_start) and libc's, named
// as binutils names them (`nm -C`, `addr2line -C -i`: libiberty without its verbose details,
// the hash and crate disambiguators, which is rustfilt's output), none with an [unknown] root.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "support/child_process.h"
#include "support/test_files.h"
#include "toolchain_runs.h"

namespace cspy::test {
namespace {

using namespace std::chrono_literals;

// Debian's rustc (the one CI installs), else the first in PATH.
std::string rustc_program() {
  if (std::filesystem::exists("/usr/bin/rustc")) return "/usr/bin/rustc";
  return find_program("rustc");
}

// The functions whose mangled names hold `fragments` (a length-prefixed part both manglings
// share, e.g. "5chain4leaf") as `nm -C` names them: the same symbols, listed in address
// order by `nm -n` and `nm -n -C`. Keyed by fragment; "mangled:<fragment>" holds the
// symbol as it is.
std::map<std::string, std::string> reference_symbols(const std::string& binary,
                                                     const std::vector<std::string>& fragments) {
  const auto mangled = lines_of(run_command({"nm", "-n", binary}).out);
  const auto demangled = lines_of(run_command({"nm", "-n", "-C", binary}).out);
  std::map<std::string, std::string> names;
  if (mangled.size() != demangled.size()) return names;
  for (std::size_t i = 0; i < mangled.size(); ++i) {
    // "<address> <type> <name>" (undefined symbols have no address)
    const std::string& line = demangled[i];
    if (line.size() < 20 || line[16] != ' ' || line[18] != ' ') continue;
    for (const std::string& fragment : fragments) {
      if (mangled[i].find(fragment) == std::string::npos) continue;
      names[fragment] = line.substr(19);
      names["mangled:" + fragment] = mangled[i].substr(19);
    }
  }
  return names;
}

// The name addr2line -C -i gives the frame inlined into `function` whose name ends in
// `suffix` ("" if none), over every address of the function (`nm -S` gives its size).
std::string reference_inlined(const std::string& binary, const std::string& function_suffix,
                              const std::string& suffix) {
  CommandResult nm = run_command({"nm", "-C", "-S", binary});
  std::uint64_t start = 0;
  std::uint64_t size = 0;
  for (const std::string& line : lines_of(nm.out)) {
    // "<address> <size> <type> <name>"
    if (line.ends_with("::" + function_suffix) && line.size() > 36 && line[33] == ' ') {
      start = std::stoull(line.substr(0, 16), nullptr, 16);
      size = std::stoull(line.substr(17, 16), nullptr, 16);
    }
  }
  std::vector<std::string> argv = {"addr2line", "-f", "-i", "-C", "-e", binary};
  for (std::uint64_t a = start; a < start + size; ++a) {
    std::ostringstream hex;
    hex << "0x" << std::hex << a;
    argv.push_back(hex.str());
  }
  CommandResult a2l = run_command(argv);
  for (const std::string& line : lines_of(a2l.out)) {
    if (line.ends_with("::" + suffix)) return line;
  }
  return "";
}

class RustToolchain : public ::testing::TestWithParam<std::string> {};

TEST_P(RustToolchain, ChainByPidFrameByFrameNamedAsBinutils) {
  const std::string rustc = rustc_program();
  CSPY_REQUIRE_TOOL(!rustc.empty(), "rustc is missing: bash scripts/install-deps.sh (rustc)");
  const std::string dir = make_test_dir("toolchains-rust-" + GetParam());
  const std::string binary = dir + "/rust_chain";
  std::vector<std::string> argv = {rustc, "--edition", "2021", "-C", "opt-level=2", "-g"};
  const bool v0 = GetParam() == "v0";  // legacy is the default (stable rustc takes no flag)
  if (v0) argv.insert(argv.end(), {"-C", "symbol-mangling-version=v0"});
  argv.insert(argv.end(), {"-o", binary, target_source("rust_chain.rs")});
  CommandResult built = run_command(argv, 120s);
  ASSERT_EQ(built.exit_code, 0) << built.err;

  const auto names = reference_symbols(
      binary, {"10rust_chain4main", "5chain5outer", "5chain6middle", "5chain4leaf"});
  ASSERT_EQ(names.size(), 8u) << "nm -C " << binary;
  EXPECT_TRUE(names.at("mangled:5chain4leaf").starts_with(v0 ? "_R" : "_ZN"))
      << names.at("mangled:5chain4leaf");
  EXPECT_EQ(names.at("5chain4leaf"), "rust_chain::hot::chain::leaf");  // no hash
  const std::string inlined = reference_inlined(binary, "chain::leaf", "inlined_work");
  ASSERT_EQ(inlined, "rust_chain::hot::chain::inlined_work") << "addr2line -C -i " << binary;

  ChildProcess chain({binary});
  ASSERT_TRUE(chain.started()) << chain.error_output();
  ASSERT_TRUE(chain.wait_for_output("ready", 10s)) << chain.error_output();
  const Recording rec = record_by_pid(chain.pid());
  ASSERT_EQ(rec.exit_code, 0) << rec.err;

  // Under libc's start and std's: _start, __libc_start_main (glibc 2.34+: and its
  // __libc_start_call_main), the C main rustc emits, std::rt::lang_start's frames.
  const std::string chain_names = names.at("10rust_chain4main") + ";" + names.at("5chain5outer") +
                                  ";" + names.at("5chain6middle") + ";" + names.at("5chain4leaf") +
                                  ";" + inlined;
  const std::regex expected(
      "_start;__libc_start_main[^;]*;(__libc_start_call_main;)?main;"
      "(std::rt::lang_start[^;]*;)(.*;)?" +
      regex_escape(chain_names) + "(;.*)?");
  const ChainCount c = count_chain(rec.stacks, expected);
  ASSERT_GE(c.all, 100u) << rec.err;  // ~1,000 when the machine is idle
  EXPECT_GE(c.matching * 100, c.all * 95)
      << "expected _start;__libc_start_main;main;std::rt::lang_start...;" << chain_names
      << " in 95% of " << c.all << " samples; others:\n"
      << c.others << rec.err;
  EXPECT_EQ(c.unknown_roots, 0u) << c.others;
  EXPECT_NE(rec.err.find(" 0.0% unwind failures"), std::string::npos) << rec.err;
  EXPECT_TRUE(chain.running());
}

INSTANTIATE_TEST_SUITE_P(Mangling, RustToolchain, ::testing::Values("legacy", "v0"),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace cspy::test
