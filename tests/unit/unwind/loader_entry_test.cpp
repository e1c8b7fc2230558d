// A thread sampled in ld.so's entry stub (`_start`, where the kernel starts a dynamically
// linked program), which has no CFI: libdw fails to step past it and libunwind ends at
// rbp 0, yet both must call the stack complete. The sample is built against this test's
// own ld.so, found through AT_BASE; its `_start` is named only with ld.so's debug symbols.
#include <elf.h>
#include <gtest/gtest.h>
#include <sys/auxv.h>
#include <unistd.h>

#include <array>
#include <cstring>

#include "../../support/test_files.h"
#include "cspy/unwind/unwinder.h"

namespace cspy {
namespace {

TEST(UnwindLoaderEntry, BothBackendsEndTheStackCompleteAtLdSoStart) {
  const std::uint64_t base = getauxval(AT_BASE);
  if (base == 0) GTEST_SKIP() << "no program interpreter (a static test binary)";
  Elf64_Ehdr ehdr;
  std::memcpy(&ehdr, reinterpret_cast<const void*>(base), sizeof ehdr);
  const std::uint64_t entry = base + ehdr.e_entry;

  auto modules = modules::ModuleMap::create(
      []() -> Result<std::string> { return test::read_file("/proc/self/maps"); });
  ASSERT_TRUE(modules) << modules.error().describe();
  const char* name = (*modules)->elf_symbol_name(RemoteAddr(entry));
  if (name == nullptr || std::string(name) != "_start") {
    GTEST_SKIP() << "ld.so's entry point is not named _start here (no debug symbols?)";
  }

  // The first instruction after exec: rbp 0 (the kernel's), argc on the stack.
  std::array<std::uint8_t, 256> stack{};
  stack[0] = 1;
  sampling::RawSample sample;
  sample.pid = getpid();
  sample.tid = getpid();
  sample.has_regs = true;
  sample.regs.dwarf[sampling::kDwarfIp] = entry;
  sample.regs.dwarf[sampling::kDwarfSp] = reinterpret_cast<std::uint64_t>(stack.data());
  sample.stack = std::span<const std::uint8_t>(stack);

  auto libdw = unwind::make_libdw_unwinder(**modules, nullptr, getpid(), unwind::UnwindOptions{});
  auto libunwind =
      unwind::make_libunwind_unwinder(**modules, nullptr, getpid(), unwind::UnwindOptions{});
  ASSERT_TRUE(libdw && libunwind);
  for (unwind::Unwinder* u : {libdw->get(), libunwind->get()}) {
    unwind::UnwoundStack out;
    u->unwind(sample, out);
    ASSERT_EQ(out.frames.size(), 1u);
    EXPECT_EQ(out.frames[0].pc, RemoteAddr(entry));
    EXPECT_TRUE(out.frames[0].exact);
    EXPECT_EQ(out.end, unwind::StackEnd::kComplete);
  }
}

}  // namespace
}  // namespace cspy
