// PLT stubs named `symbol@plt` as objdump -d labels them (its synthetic symbols over .plt,
// .plt.sec and .plt.got), stub by stub, in the chain target (GCC and clang builds) and in
// libstdc++ as a live process mapped them; names demangled as cspy does.
#include <gtest/gtest.h>

#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "cspy/symbolize/symbolizer.h"
#include "live_layout.h"
#include "support/child_process.h"
#include "support/test_files.h"

namespace cspy::symbolize {
namespace {

using namespace std::chrono_literals;

struct Stub {
  std::uint64_t addr = 0;
  std::string name;  // "symbol@plt", demangled without parameters
};

// objdump -d's "<symbol@plt>:" labels of `path`.
std::vector<Stub> objdump_stubs(const std::string& path) {
  test::CommandResult r = test::run_command({"objdump", "-d", "-w", path}, 120s);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<Stub> stubs;
  static const std::regex label(R"(^([0-9a-f]+) <(.+)@plt>:$)");
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (!std::regex_match(line, m, label)) continue;
    stubs.push_back(Stub{std::stoull(m[1], nullptr, 16), demangle(m[2], false) + "@plt"});
  }
  return stubs;
}

// Every stub of `path` objdump names: its first and last instruction byte (a return address
// inside it, minus one, lands anywhere in it).
void expect_stubs_named(const std::string& maps, const std::string& path, std::size_t least) {
  auto modules = modules::ModuleMap::create([maps]() -> Result<std::string> { return maps; });
  ASSERT_TRUE(modules) << modules.error().describe();
  Symbolizer symbolizer(**modules, SymbolizeOptions{});
  const std::uint64_t base = load_base(maps, path);
  ASSERT_NE(base, 0u) << path << " is not in the maps";
  const std::vector<Stub> stubs = objdump_stubs(path);
  ASSERT_GE(stubs.size(), least) << path;
  for (const Stub& stub : stubs) {
    for (std::uint64_t at : {stub.addr, stub.addr + 5}) {
      const auto frames = symbolizer.symbolize(RemoteAddr(base + at));
      ASSERT_EQ(frames.size(), 1u) << path << " +0x" << std::hex << at;
      EXPECT_EQ(frames[0].function, stub.name) << path << " +0x" << std::hex << at;
      EXPECT_TRUE(frames[0].named);
    }
  }
}

TEST(PltNames, ChainBuiltByGcc) {
  const std::string chain = test::target_binary("chain");
  expect_stubs_named(maps_of_running({chain, "--mode", "sleep"}, "ready"), chain, 5);
}

TEST(PltNames, ChainBuiltByClang) {
  const std::string chain = test::target_binary("chain-clang");
  expect_stubs_named(maps_of_running({chain, "--mode", "sleep"}, "ready"), chain, 5);
}

// A large library with lazy (.plt) and immediately bound (.plt.got) stubs.
TEST(PltNames, Libstdcxx) {
  const std::string chain = test::target_binary("chain");
  const std::string maps = maps_of_running({chain, "--mode", "sleep"}, "ready");
  const std::string lib = mapped_path(maps, "/libstdc++.so");
  ASSERT_FALSE(lib.empty()) << maps;
  expect_stubs_named(maps, lib, 500);
}

}  // namespace
}  // namespace cspy::symbolize
