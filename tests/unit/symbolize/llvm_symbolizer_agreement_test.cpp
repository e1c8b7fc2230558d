// The symbolizer against `llvm-symbolizer --inlining`, address by address, over the text of
// the chain and julia targets built by clang++ -O2 -g: DWARF 5 without .debug_aranges, where
// libdw alone finds no compilation unit (so no inlined frames and no lines). The same chain
// of functions, each with its file and line. The reference names are linkage names
// (--no-demangle), demangled as cspy does: without parameter lists.
#include <gtest/gtest.h>

#include <iostream>
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

struct RefFrame {
  std::string function;
  std::string file;
  int line = 0;
};

// llvm-symbolizer from PATH, else LLVM 14's (Debian's llvm-14 package).
std::string llvm_symbolizer() {
  for (const char* name : {"llvm-symbolizer", "llvm-symbolizer-14"}) {
    std::string found = test::find_program(name);
    if (!found.empty()) return found;
  }
  return "";
}

// "FILE:LINE:COL" -> file and line; false for "??:0:0".
bool parse_location(const std::string& text, RefFrame& frame) {
  const auto col = text.rfind(':');
  const auto line = col == std::string::npos ? col : text.rfind(':', col - 1);
  if (line == std::string::npos) return false;
  frame.file = text.substr(0, line);
  frame.line = std::stoi(text.substr(line + 1, col - line - 1));
  return frame.file != "??";
}

// Each address's frames, innermost first; none where llvm-symbolizer has no function or file.
std::vector<std::vector<RefFrame>> reference_frames(const std::string& path,
                                                    const std::vector<std::uint64_t>& addrs) {
  const std::string tool = llvm_symbolizer();
  EXPECT_FALSE(tool.empty()) << "llvm-symbolizer is missing: bash scripts/install-deps.sh";
  if (tool.empty()) return {};
  std::vector<std::string> argv{tool, "--inlining", "--no-demangle", "--obj=" + path};
  for (std::uint64_t a : addrs) {
    std::ostringstream hex;
    hex << "0x" << std::hex << a;
    argv.push_back(hex.str());
  }
  test::CommandResult r = test::run_command(argv, 120s);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // Blocks of "FUNCTION\nFILE:LINE:COL\n" pairs, one block per address, ending in a blank line.
  std::vector<std::vector<RefFrame>> result(1);
  bool valid = true;
  std::istringstream lines(r.out);
  std::string function;
  std::string location;
  while (std::getline(lines, function)) {
    if (function.empty()) {
      if (!valid) result.back().clear();
      result.emplace_back();
      valid = true;
      continue;
    }
    if (!std::getline(lines, location)) break;
    RefFrame f{.function = demangle(function, false)};
    valid = valid && function != "??" && parse_location(location, f);
    result.back().push_back(f);
  }
  result.pop_back();  // after the last blank line
  return result;
}

std::string describe(const std::vector<SymbolFrame>& ours, const std::vector<RefFrame>& theirs) {
  std::string text = "cspy";
  for (const SymbolFrame& f : ours) text += " " + f.function + ":" + std::to_string(f.line);
  text += " vs llvm-symbolizer";
  for (const RefFrame& f : theirs) text += " " + f.function + ":" + std::to_string(f.line);
  return text;
}

// Symbolizes `count` addresses spread over `path`'s .text and compares with llvm-symbolizer.
void expect_agreement(const std::string& maps, const std::string& path, std::size_t count) {
  auto modules = modules::ModuleMap::create([maps]() -> Result<std::string> { return maps; });
  ASSERT_TRUE(modules) << modules.error().describe();
  Symbolizer symbolizer(**modules, SymbolizeOptions{});
  const std::uint64_t base = load_base(maps, path);
  ASSERT_NE(base, 0u) << path << " is not in the maps";
  auto [start, end] = text_range(path);
  ASSERT_LT(start, end) << path;
  const std::vector<std::uint64_t> addrs = spread_over(start, end, count);
  const auto reference = reference_frames(path, addrs);
  ASSERT_EQ(reference.size(), addrs.size());
  std::size_t compared = 0, inlined = 0, disagree = 0;
  for (std::size_t i = 0; i < addrs.size(); ++i) {
    const auto ours = symbolizer.symbolize(RemoteAddr(base + addrs[i]));
    std::ostringstream where;
    where << path << " +0x" << std::hex << addrs[i];
    if (reference[i].empty()) {  // no DWARF function: the symbol table names it, or nothing
      EXPECT_EQ(ours.size(), 1u) << where.str() << ": " << describe(ours, reference[i]);
      continue;
    }
    // Where no unit covers the address, llvm-symbolizer takes the function from the symbol
    // table and the file from its STT_FILE symbols (crtstuff.c:0); cspy gives no file.
    if (reference[i].size() == 1 && reference[i][0].line == 0 && ours.size() == 1 &&
        ours[0].file.empty()) {
      EXPECT_EQ(ours[0].function, reference[i][0].function) << where.str();
      continue;
    }
    ++compared;
    inlined += reference[i].size() > 1;
    bool same = ours.size() == reference[i].size();
    for (std::size_t k = 0; same && k < ours.size(); ++k) {
      same = ours[k].function == reference[i][k].function && ours[k].line == reference[i][k].line &&
             basename_of(ours[k].file) == basename_of(reference[i][k].file) &&
             ours[k].inlined == (k + 1 < ours.size());
    }
    if (!same && ++disagree <= 5)
      std::cerr << where.str() << ": " << describe(ours, reference[i]) << "\n";
  }
  std::cerr << path << ": " << compared << " addresses in DWARF functions (" << inlined
            << " inlined), " << disagree << " disagree\n";
  EXPECT_LE(disagree * 200, compared) << path << ": cspy and llvm-symbolizer disagree at "
                                      << disagree << " of " << compared << " addresses";
  // Most of the text is covered by DWARF functions, and some of it is inlined code.
  EXPECT_GE(compared * 2, addrs.size()) << path;
  EXPECT_GT(inlined * 10, compared) << path;
}

// The targets really are what this test is about: DWARF 5 and no .debug_aranges.
void expect_clang_dwarf5_without_aranges(const std::string& path) {
  test::CommandResult sections = test::run_command({"readelf", "-S", "-W", path});
  ASSERT_EQ(sections.exit_code, 0) << sections.err;
  EXPECT_NE(sections.out.find(".debug_info"), std::string::npos) << path;
  EXPECT_EQ(sections.out.find(".debug_aranges"), std::string::npos) << path;
  test::CommandResult info = test::run_command({"readelf", "--debug-dump=info", path});
  EXPECT_NE(info.out.find("Version:       5"), std::string::npos) << path;
}

TEST(LlvmSymbolizerAgreement, ChainBuiltByClang) {
  const std::string chain = test::target_binary("chain-clang");
  expect_clang_dwarf5_without_aranges(chain);
  expect_agreement(maps_of_running({chain, "--mode", "sleep"}, "ready"), chain, 2000);
}

TEST(LlvmSymbolizerAgreement, JuliaBuiltByClang) {
  const std::string julia = test::target_binary("julia-clang");
  expect_clang_dwarf5_without_aranges(julia);
  expect_agreement(maps_of_running({julia, "--seconds", "10"}, ""), julia, 2000);
}

}  // namespace
}  // namespace cspy::symbolize
