// The stack-root rule on a stripped executable whose symbol table is gone: its entry
// function (`_start`, unnamed there) must still end a stack as complete, found from the ELF
// header's e_entry and the .eh_frame FDE covering it; a pc in `main` must not. The target
// is copied away from its debug file, and mapped at a made-up base from its own headers.
#include <elf.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iomanip>
#include <sstream>
#include <string>

#include "../../support/test_files.h"
#include "cspy/modules/module_map.h"
#include "stack_roots.h"

namespace cspy {
namespace {

constexpr std::uint64_t kBase = 0x555555554000;

// /proc/PID/maps lines for `path` (a PIE) loaded at kBase, one per PT_LOAD.
std::string maps_for(const std::string& path, const std::string& image) {
  Elf64_Ehdr ehdr;
  std::memcpy(&ehdr, image.data(), sizeof ehdr);
  std::ostringstream maps;
  for (int i = 0; i < ehdr.e_phnum; ++i) {
    Elf64_Phdr ph;
    std::memcpy(&ph, image.data() + ehdr.e_phoff + i * sizeof ph, sizeof ph);
    if (ph.p_type != PT_LOAD) continue;
    const std::uint64_t start = kBase + (ph.p_vaddr & ~0xfffULL);
    const std::uint64_t end = kBase + ((ph.p_vaddr + ph.p_memsz + 0xfff) & ~0xfffULL);
    maps << std::hex << start << '-' << end << ' ' << ((ph.p_flags & PF_R) ? 'r' : '-')
         << ((ph.p_flags & PF_W) ? 'w' : '-') << ((ph.p_flags & PF_X) ? 'x' : '-') << "p "
         << std::setfill('0') << std::setw(8) << (ph.p_offset & ~0xfffULL) << std::setfill(' ')
         << " 08:01 1234 " << path << '\n';
  }
  return maps.str();
}

// The value of `symbol` in the target's separate debug file (which has the symbol table).
std::uint64_t debug_symbol(const std::string& debug_file, const std::string& symbol) {
  std::string cmd = "nm --defined-only " + debug_file;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return 0;
  char line[512];
  std::uint64_t value = 0;
  while (std::fgets(line, sizeof line, p) != nullptr) {
    char type = 0;
    char name[400];
    unsigned long long v = 0;
    if (std::sscanf(line, "%llx %c %399s", &v, &type, name) == 3 && symbol == name) value = v;
  }
  ::pclose(p);
  return value;
}

class StrippedEntryRoot : public ::testing::TestWithParam<const char*> {};

TEST_P(StrippedEntryRoot, EntryFunctionIsARootAndMainIsNot) {
  const std::string original = test::target_binary(GetParam());
  const std::string dir = test::make_test_dir(std::string("stripped_entry_root_") + GetParam());
  const std::string copy = dir + "/" + GetParam();
  std::filesystem::copy_file(original, copy, std::filesystem::copy_options::overwrite_existing);
  const std::string image = test::read_file(copy);
  ASSERT_GE(image.size(), sizeof(Elf64_Ehdr));
  Elf64_Ehdr ehdr;
  std::memcpy(&ehdr, image.data(), sizeof ehdr);
  ASSERT_EQ(ehdr.e_type, ET_DYN) << "expected a PIE";

  const std::uint64_t start = debug_symbol(original + ".debug", "_start");
  const std::uint64_t main_fn = debug_symbol(original + ".debug", "main");
  ASSERT_EQ(start, ehdr.e_entry);
  ASSERT_NE(main_fn, 0u);

  const std::string maps = maps_for(copy, image);
  auto modules = modules::ModuleMap::create([maps]() -> Result<std::string> { return maps; });
  ASSERT_TRUE(modules) << modules.error().describe();
  // Without its debug file, nothing names the entry function: the rule cannot use names.
  const char* name = (*modules)->elf_symbol_name(RemoteAddr(kBase + start));
  ASSERT_TRUE(name == nullptr || std::string(name) != "_start") << name;

  unwind::StackRoots roots(**modules);
  auto is_root = [&](std::uint64_t pc) {
    return roots.is_root(unwind::UnwoundFrame{RemoteAddr(kBase + pc), true});
  };
  EXPECT_TRUE(is_root(start));
  // x86-64 `_start` calls __libc_start_main some 0x20 bytes in: its return address.
  EXPECT_TRUE(is_root(start + 0x20));
  EXPECT_FALSE(is_root(main_fn));
  EXPECT_FALSE(is_root(main_fn + 4));
}

INSTANTIATE_TEST_SUITE_P(Targets, StrippedEntryRoot,
                         ::testing::Values("chain-stripped", "julia-stripped"),
                         [](const ::testing::TestParamInfo<const char*>& param_info) {
                           std::string n = param_info.param;
                           for (char& c : n) c = c == '-' ? '_' : c;
                           return n;
                         });

}  // namespace
}  // namespace cspy
