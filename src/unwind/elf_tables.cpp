// ElfTables: read-only segments and .eh_frame_hdr tables from the modules' ELF images.
#include "elf_tables.h"

#include <elfutils/libdwfl.h>

#include <gelf.h>

#include <algorithm>
#include <cstring>

namespace cspy::unwind {

namespace {

constexpr std::uint8_t kEhPeOmit = 0xff;
constexpr std::uint8_t kEhPeDatarelSdata4 = 0x3b;  // the only table layout libunwind searches

// Decodes one DW_EH_PE-encoded value of .eh_frame_hdr at data[pos]; `base` is the
// runtime address of data[0] (for pcrel and datarel). False on an unsupported encoding.
bool read_encoded(const std::uint8_t* data, std::size_t size, std::size_t& pos, std::uint8_t enc,
                  std::uint64_t base, std::uint64_t& out) {
  if (enc == kEhPeOmit) return false;
  std::size_t n = 0;
  bool is_signed = false;
  switch (enc & 0x0f) {
    case 0x00:
    case 0x04:
      n = 8;
      break;  // absptr, udata8
    case 0x02:
      n = 2;
      break;  // udata2
    case 0x03:
      n = 4;
      break;  // udata4
    case 0x0a:
      n = 2;
      is_signed = true;
      break;  // sdata2
    case 0x0b:
      n = 4;
      is_signed = true;
      break;  // sdata4
    case 0x0c:
      n = 8;
      is_signed = true;
      break;  // sdata8
    default:
      return false;  // leb128: not in headers
  }
  if (pos + n > size) return false;
  std::uint64_t v = 0;
  std::memcpy(&v, data + pos, n);  // x86-64 is little-endian, as is the target
  if (is_signed && n < 8 && (v >> (8 * n - 1)) != 0) v |= ~std::uint64_t{0} << (8 * n);
  switch (enc & 0x70) {
    case 0x00:
      break;  // absolute
    case 0x10:
      v += base + pos;
      break;  // pcrel
    case 0x30:
      v += base;
      break;  // datarel: relative to .eh_frame_hdr
    default:
      return false;
  }
  pos += n;
  out = v;
  return true;
}

// Fills `table` from the .eh_frame_hdr bytes `hdr` found at runtime address `address`.
bool parse_eh_frame_hdr(const std::uint8_t* hdr, std::size_t size, std::uint64_t address,
                        EhFrameTable& table) {
  if (size < 4 || hdr[0] != 1) return false;
  const std::uint8_t eh_frame_ptr_enc = hdr[1];
  const std::uint8_t fde_count_enc = hdr[2];
  const std::uint8_t table_enc = hdr[3];
  std::size_t pos = 4;
  std::uint64_t eh_frame = 0;
  std::uint64_t fde_count = 0;
  if (!read_encoded(hdr, size, pos, eh_frame_ptr_enc, address, eh_frame)) return false;
  if (!read_encoded(hdr, size, pos, fde_count_enc, address, fde_count)) return false;
  if (table_enc != kEhPeDatarelSdata4 || fde_count == 0) return false;
  if (pos + fde_count * 8 > size) return false;
  table.hdr_address = address;
  table.table_address = address + pos;
  table.fde_count = fde_count;
  return true;
}

}  // namespace

ElfTables::ModuleInfo ElfTables::load(Dwfl_Module* mod) {
  ModuleInfo info;
  Dwarf_Addr start = 0;
  Dwarf_Addr end = 0;
  dwfl_module_info(mod, nullptr, &start, &end, nullptr, nullptr, nullptr, nullptr);
  GElf_Addr bias = 0;
  Elf* elf = dwfl_module_getelf(mod, &bias);
  if (elf == nullptr) return info;
  std::size_t file_size = 0;
  const auto* raw = reinterpret_cast<const std::uint8_t*>(elf_rawfile(elf, &file_size));
  std::size_t phnum = 0;
  if (raw == nullptr || elf_getphdrnum(elf, &phnum) != 0) return info;
  GElf_Phdr eh{};
  bool has_eh = false;
  for (std::size_t i = 0; i < phnum; ++i) {
    GElf_Phdr ph;
    if (gelf_getphdr(elf, static_cast<int>(i), &ph) == nullptr) continue;
    if (ph.p_offset > file_size || ph.p_filesz > file_size - ph.p_offset) continue;
    if (ph.p_type == PT_LOAD && ph.p_filesz > 0) {
      // Read-only bytes are the same in the file and in memory: .eh_frame, code.
      Segments& to = (ph.p_flags & PF_W) == 0 ? segments_ : writable_segments_;
      to.emplace(ph.p_vaddr + bias, Segment{ph.p_vaddr + bias + ph.p_filesz, raw + ph.p_offset});
    } else if (ph.p_type == PT_GNU_EH_FRAME) {
      eh = ph;
      has_eh = true;
    }
  }
  if (has_eh && parse_eh_frame_hdr(raw + eh.p_offset, eh.p_filesz, eh.p_vaddr + bias, info.table)) {
    info.table.module_start = start;
    info.table.module_end = end;
    info.has_table = true;
  }
  return info;
}

void ElfTables::clear() {
  by_module_.clear();
  segments_.clear();
  writable_segments_.clear();
  last_ = nullptr;
}

const EhFrameTable* ElfTables::table_at(std::uint64_t pc) {
  Dwfl_Module* mod = modules_.find(RemoteAddr(pc));
  if (mod == nullptr) return nullptr;
  auto it = by_module_.find(mod);
  if (it == by_module_.end()) it = by_module_.emplace(mod, load(mod)).first;
  return it->second.has_table ? &it->second.table : nullptr;
}

const ElfTables::Segment* ElfTables::find(const Segments& segments, std::uint64_t addr,
                                          std::uint64_t& start) {
  auto it = segments.upper_bound(addr);
  if (it == segments.begin()) return nullptr;
  --it;
  if (addr >= it->second.end) return nullptr;
  start = it->first;
  return &it->second;
}

// A word that runs past the segment's file bytes: the rest reads as zeros.
void ElfTables::copy_word(const Segment& segment, std::uint64_t start, std::uint64_t addr,
                          std::uint64_t& value) {
  value = 0;
  std::memcpy(&value, segment.bytes + (addr - start),
              std::min<std::uint64_t>(8, segment.end - addr));
}

bool ElfTables::read_word(std::uint64_t addr, std::uint64_t& value) {
  // Unwinding reads CFI a byte at a time, each as an aligned word: mostly the same segment.
  if (last_ != nullptr && addr >= last_start_ && addr < last_->end && last_->end - addr >= 8) {
    std::memcpy(&value, last_->bytes + (addr - last_start_), 8);
    return true;
  }
  std::uint64_t start = 0;
  const Segment* segment = find(segments_, addr, start);
  if (segment == nullptr) return false;
  last_ = segment;
  last_start_ = start;
  copy_word(*segment, start, addr, value);
  return true;
}

bool ElfTables::read_writable_word(std::uint64_t addr, std::uint64_t& value) {
  std::uint64_t start = 0;
  const Segment* segment = find(writable_segments_, addr, start);
  if (segment == nullptr) return false;
  copy_word(*segment, start, addr, value);
  return true;
}

}  // namespace cspy::unwind
