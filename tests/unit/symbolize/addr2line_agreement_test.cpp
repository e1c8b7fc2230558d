// The symbolizer against elfutils' eu-addr2line -i, address by address, over the text of
// the chain and julia targets and of libc (its debug file from libc6-dbg when installed):
// the same chain of inlined functions, each with its file and line. The modules are
// placed where a live process mapped them (its /proc/PID/maps; the process is then gone).
#include <dwarf.h>
#include <elfutils/libdwfl.h>

#include <gtest/gtest.h>

#include <cstdlib>
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
  std::string function;  // demangled as cspy does
  std::string file;
  int line = 0;
};

// "NAME at FILE:LINE[:COL]" -> frame; false for "??" names or files.
bool parse_ref(const std::string& text, RefFrame& frame) {
  const auto at = text.find(" at ");
  if (at == std::string::npos) return false;
  const std::string name = text.substr(0, at);
  std::string where = text.substr(at + 4);
  if (name == "??" || where.rfind("??", 0) == 0) return false;
  // FILE:LINE:COL or FILE:LINE
  auto last = where.rfind(':');
  auto before = last == std::string::npos ? std::string::npos : where.rfind(':', last - 1);
  if (before != std::string::npos && where.find_first_not_of("0123456789", before + 1) == last) {
    where = where.substr(0, last);
  }
  last = where.rfind(':');
  if (last == std::string::npos) return false;
  frame.function = demangle(name, false);
  frame.file = where.substr(0, last);
  frame.line = std::stoi(where.substr(last + 1));
  return true;
}

// eu-addr2line -i for each file address; an address with a "??" frame gets no frames.
std::vector<std::vector<RefFrame>> addr2line(const std::string& path,
                                             const std::vector<std::uint64_t>& addrs) {
  std::vector<std::string> argv{"eu-addr2line", "-e", path, "-a", "-i", "-f", "--pretty-print"};
  for (std::uint64_t a : addrs) {
    std::ostringstream hex;
    hex << "0x" << std::hex << a;
    argv.push_back(hex.str());
  }
  test::CommandResult r = test::run_command(argv, 120s);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::vector<RefFrame>> result;
  bool valid = false;
  std::istringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line)) {
    RefFrame f;
    if (line.rfind("0x", 0) == 0) {
      if (!result.empty() && !valid) result.back().clear();
      result.emplace_back();
      valid = parse_ref(line.substr(line.find(": ") + 2), f);
      if (valid) result.back().push_back(f);
    } else if (line.rfind(" (inlined by) ", 0) == 0 && !result.empty()) {
      valid = valid && parse_ref(line.substr(14), f);
      if (valid) result.back().push_back(f);
    }
  }
  if (!result.empty() && !valid) result.back().clear();
  return result;
}

// The name cspy gives a scope DIE: its linkage name demangled, else its name.
std::string scope_name(Dwarf_Die* die) {
  Dwarf_Attribute attr;
  const char* name = nullptr;
  if (dwarf_attr_integrate(die, DW_AT_linkage_name, &attr) != nullptr)
    name = dwarf_formstring(&attr);
  if (name == nullptr && dwarf_attr_integrate(die, DW_AT_name, &attr) != nullptr)
    name = dwarf_formstring(&attr);
  return name == nullptr ? "[unnamed]" : demangle(name, false);
}

// Whether a DWARF function covers each file address (libdw offline, its own Dwfl, and
// dwarf_getscopes). Where none does, eu-addr2line still prints the nearest line of some
// unit (for _start, a line of stl_vector.h), which cspy rightly does not.
// Also fills `walks` with the scope names libdw's own walk gives (dwarf_getscopes for the
// innermost scope, then dwarf_getscopes_die for its physical nesting, as eu-addr2line does).
std::vector<bool> covered_by_units(const std::string& path, const std::vector<std::uint64_t>& addrs,
                                   std::vector<std::vector<std::string>>& walks) {
  walks.assign(addrs.size(), {});
  static char* debuginfo_path = nullptr;
  static const Dwfl_Callbacks callbacks = {.find_elf = dwfl_build_id_find_elf,
                                           .find_debuginfo = dwfl_standard_find_debuginfo,
                                           .section_address = dwfl_offline_section_address,
                                           .debuginfo_path = &debuginfo_path};
  std::vector<bool> covered(addrs.size(), false);
  Dwfl* dwfl = dwfl_begin(&callbacks);
  Dwfl_Module* mod = dwfl == nullptr ? nullptr : dwfl_report_offline(dwfl, "", path.c_str(), -1);
  if (mod != nullptr) {
    dwfl_report_end(dwfl, nullptr, nullptr);
    Dwarf_Addr low = 0;
    dwfl_module_info(mod, nullptr, &low, nullptr, nullptr, nullptr, nullptr, nullptr);
    for (std::size_t i = 0; i < addrs.size(); ++i) {
      Dwarf_Addr bias = 0;
      Dwarf_Die* cu = dwfl_module_addrdie(mod, low + addrs[i], &bias);
      Dwarf_Die* scopes = nullptr;
      const int n = cu == nullptr ? 0 : dwarf_getscopes(cu, low + addrs[i] - bias, &scopes);
      for (int k = 0; k < n; ++k) {
        const int tag = dwarf_tag(&scopes[k]);
        covered[i] = covered[i] || tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine;
      }
      Dwarf_Die innermost;
      if (n > 0) innermost = scopes[0];
      std::free(scopes);
      scopes = nullptr;
      const int m = n > 0 ? dwarf_getscopes_die(&innermost, &scopes) : 0;
      for (int k = 0; k < m; ++k) {
        const int tag = dwarf_tag(&scopes[k]);
        if (tag != DW_TAG_subprogram && tag != DW_TAG_inlined_subroutine) continue;
        walks[i].push_back(scope_name(&scopes[k]));
        if (tag == DW_TAG_subprogram) break;
      }
      std::free(scopes);
    }
  }
  if (dwfl != nullptr) dwfl_end(dwfl);
  return covered;
}

// Symbolizes `count` addresses spread over `path`'s .text and compares with eu-addr2line.
void expect_agreement(const std::string& maps, const std::string& path, std::size_t count) {
  auto modules = modules::ModuleMap::create([maps]() -> Result<std::string> { return maps; });
  ASSERT_TRUE(modules) << modules.error().describe();
  Symbolizer symbolizer(**modules, SymbolizeOptions{});
  const std::uint64_t base = load_base(maps, path);
  ASSERT_NE(base, 0u) << path << " is not in the maps";
  auto [start, end] = text_range(path);
  ASSERT_LT(start, end) << path;
  const std::vector<std::uint64_t> addrs = spread_over(start, end, count);
  auto reference = addr2line(path, addrs);
  ASSERT_EQ(reference.size(), addrs.size());
  std::vector<std::vector<std::string>> walks;
  const std::vector<bool> covered = covered_by_units(path, addrs, walks);
  std::size_t compared = 0, inlined = 0, disagree = 0;
  for (std::size_t i = 0; i < addrs.size(); ++i) {
    const auto& ours = symbolizer.symbolize(RemoteAddr(base + addrs[i]));
    std::ostringstream where;
    where << path << " +0x" << std::hex << addrs[i];
    if (!covered[i]) {  // the ELF symbol table names it, or nothing does
      EXPECT_EQ(ours.size(), 1u) << where.str();
      EXPECT_TRUE(ours.front().file.empty()) << where.str();
      continue;
    }
    // libdw's own walk, name by name: exactly.
    ASSERT_EQ(ours.size(), walks[i].size())
        << where.str() << ": innermost " << ours.front().function;
    for (std::size_t k = 0; k < ours.size(); ++k) {
      EXPECT_EQ(ours[k].function, walks[i][k]) << where.str() << " frame " << k;
      EXPECT_EQ(ours[k].inlined, k + 1 < ours.size()) << where.str() << " frame " << k;
    }
    // eu-addr2line, with files and lines. It disagrees with libdw's walk at a few
    // addresses (a deleting destructor shown as inlined into itself): counted, not failed.
    if (reference[i].empty()) continue;
    bool same = ours.size() == reference[i].size();
    for (std::size_t k = 0; same && k < ours.size(); ++k) {
      same = ours[k].function == reference[i][k].function && ours[k].line == reference[i][k].line &&
             basename_of(ours[k].file) == basename_of(reference[i][k].file);
    }
    if (!same) {
      ++disagree;
      if (disagree <= 3) {
        std::string theirs;
        for (const RefFrame& f : reference[i])
          theirs += " " + f.function + ":" + std::to_string(f.line);
        std::string mine;
        for (const SymbolFrame& f : ours) mine += " " + f.function + ":" + std::to_string(f.line);
        std::cerr << where.str() << ": cspy" << mine << " vs eu-addr2line" << theirs << "\n";
      }
    }
    ++compared;
    inlined += ours.size() > 1;
  }
  EXPECT_LE(disagree * 200, compared) << path << ": cspy and eu-addr2line disagree at " << disagree
                                      << " of " << compared << " addresses";
  // Most of the text is covered by DWARF functions, and some of it is inlined code.
  EXPECT_GE(compared * 2, addrs.size()) << path;
  EXPECT_GT(inlined, 0u) << path;
}

TEST(Addr2lineAgreement, ChainTarget) {
  const std::string chain = test::target_binary("chain");
  expect_agreement(maps_of_running({chain, "--mode", "sleep"}, "ready"), chain, 2000);
}

TEST(Addr2lineAgreement, JuliaTarget) {
  const std::string julia = test::target_binary("julia");
  expect_agreement(maps_of_running({julia, "--seconds", "10"}, ""), julia, 2000);
}

// libc's separate debug file (libc6-dbg, which scripts/install-deps.sh installs).
TEST(Addr2lineAgreement, Libc) {
  const std::string chain = test::target_binary("chain");
  const std::string maps = maps_of_running({chain, "--mode", "sleep"}, "ready");
  const std::string libc = mapped_path(maps, "/libc.so.6");
  ASSERT_FALSE(libc.empty());
  expect_agreement(maps, libc, 1500);
}

}  // namespace
}  // namespace cspy::symbolize
