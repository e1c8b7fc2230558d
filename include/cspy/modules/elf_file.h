// Reading a mapped ELF file without libdw's Dwfl: the lines of a /proc/PID/maps text, a
// symbol's value from a file's .symtab or .dynsym, the load bias of a file mapped in a
// process, and build-ids (of a file, and of the image a process has mapped). For readers
// that need a few named addresses (CPython's _PyRuntime) on a thread of their own, where
// the ModuleMap (not thread-safe) is not theirs to use, and for checking files.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cspy::modules {

struct Mapping {
  std::uint64_t start = 0;
  std::uint64_t end = 0;
  std::uint64_t offset = 0;  // file offset of `start`
  std::string perms;         // "r-xp"
  std::string path;          // empty for anonymous memory; "[heap]", "[vdso]" as given
  std::string device;        // "08:01" ("00:00" for anonymous memory)
  std::uint64_t inode = 0;
};

std::vector<Mapping> parse_maps(std::string_view text);
// One line of /proc/PID/maps text for `m` (what parse_maps reads back), with its newline.
std::string format_maps_line(const Mapping& m);

// A mapping's path without the " (deleted)" /proc/PID/maps appends to a file unlinked
// since it was mapped.
std::string_view without_deleted(std::string_view path);

// The value of the symbol `name` (defined, not undefined) in the ELF file at `path`,
// from .symtab or, in a stripped file, .dynsym.
std::optional<std::uint64_t> elf_symbol_value(const std::string& path, std::string_view name);

// Where the file's virtual address 0 lies in the process (0 for a non-PIE executable):
// the start of its mapping at file offset 0 minus its first PT_LOAD's page-aligned vaddr.
// `open_path` is the file to read (e.g. through /proc/PID/root), `mapped_path` the name
// it has in `maps`.
std::optional<std::uint64_t> load_bias(const std::string& open_path, const std::string& mapped_path,
                                       const std::vector<Mapping>& maps);

// The GNU build-id (NT_GNU_BUILD_ID note) of the ELF file at `path`, as raw bytes; empty
// when the file cannot be read or has none.
std::string file_build_id(const std::string& path);

// The GNU build-id of the ELF image process `pid` has mapped at `start` (the mapping of
// its file offset 0), read from its memory: the ELF header, the program headers and the
// PT_NOTE segments, which the first PT_LOAD maps. Empty when unreadable or absent.
std::string build_id_in_memory(pid_t pid, std::uint64_t start);

// Lower-case hex of raw bytes ("" for none): how build-ids are printed.
std::string to_hex(std::string_view bytes);

}  // namespace cspy::modules
