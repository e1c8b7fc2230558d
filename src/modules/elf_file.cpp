// Maps lines, ELF symbol values, load biases and build-ids, with libelf.
#include "cspy/modules/elf_file.h"

#include <elf.h>
#include <elfutils/libdwelf.h>
#include <fcntl.h>
#include <gelf.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <sstream>

#include <fmt/core.h>

#include "cspy/core/unique_fd.h"

namespace cspy::modules {

namespace {

// An ELF handle on an open file, released with the object.
class ElfHandle {
 public:
  explicit ElfHandle(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (!fd_.valid()) return;
    (void)elf_version(EV_CURRENT);
    elf_ = elf_begin(fd_.get(), ELF_C_READ_MMAP, nullptr);
    if (elf_ != nullptr && elf_kind(elf_) != ELF_K_ELF) {
      elf_end(elf_);
      elf_ = nullptr;
    }
  }
  ~ElfHandle() {
    if (elf_ != nullptr) elf_end(elf_);
  }
  ElfHandle(const ElfHandle&) = delete;
  ElfHandle& operator=(const ElfHandle&) = delete;
  Elf* get() const { return elf_; }

 private:
  UniqueFd fd_;
  Elf* elf_ = nullptr;
};

std::optional<std::uint64_t> find_in_section(Elf* elf, Elf64_Word type, std::string_view name) {
  Elf_Scn* scn = nullptr;
  while ((scn = elf_nextscn(elf, scn)) != nullptr) {
    GElf_Shdr shdr;
    if (gelf_getshdr(scn, &shdr) == nullptr || shdr.sh_type != type || shdr.sh_entsize == 0)
      continue;
    Elf_Data* data = elf_getdata(scn, nullptr);
    if (data == nullptr) continue;
    const std::size_t count = shdr.sh_size / shdr.sh_entsize;
    for (std::size_t i = 0; i < count; ++i) {
      GElf_Sym sym;
      if (gelf_getsym(data, static_cast<int>(i), &sym) == nullptr) continue;
      if (sym.st_shndx == SHN_UNDEF || sym.st_value == 0) continue;
      const char* n = elf_strptr(elf, shdr.sh_link, sym.st_name);
      if (n != nullptr && name == n) return sym.st_value;
    }
  }
  return std::nullopt;
}

// Reads `size` bytes of process `pid` at `addr`; false unless all were read.
bool read_remote(pid_t pid, std::uint64_t addr, void* buffer, std::size_t size) {
  iovec local{buffer, size};
  iovec remote{reinterpret_cast<void*>(addr), size};  // NOLINT(performance-no-int-to-ptr)
  return ::process_vm_readv(pid, &local, 1, &remote, 1, 0) == static_cast<ssize_t>(size);
}

// The NT_GNU_BUILD_ID descriptor among the notes in `notes`, or "".
std::string build_id_in_notes(const std::uint8_t* notes, std::size_t size) {
  std::size_t at = 0;
  auto align4 = [](std::size_t n) { return (n + 3) & ~std::size_t{3}; };
  while (at + sizeof(Elf64_Nhdr) <= size) {
    Elf64_Nhdr note;
    std::memcpy(&note, notes + at, sizeof note);
    const std::size_t name_at = at + sizeof note;
    const std::size_t desc_at = name_at + align4(note.n_namesz);
    const std::size_t next = desc_at + align4(note.n_descsz);
    if (note.n_namesz > size || note.n_descsz > size || next > size) break;
    if (note.n_type == NT_GNU_BUILD_ID && note.n_namesz == 4 &&
        std::memcmp(notes + name_at, "GNU", 4) == 0 && note.n_descsz > 0) {
      return {reinterpret_cast<const char*>(notes + desc_at), note.n_descsz};
    }
    at = next;
  }
  return {};
}

}  // namespace

std::vector<Mapping> parse_maps(std::string_view text) {
  std::vector<Mapping> out;
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    Mapping m;
    char perms[8] = {};
    int path_at = 0;
    unsigned long long start = 0;
    unsigned long long end = 0;
    unsigned long long offset = 0;
    unsigned long long inode = 0;
    char device[16] = {};
    // start-end perms offset dev inode path
    if (std::sscanf(line.c_str(), "%llx-%llx %7s %llx %15s %llu %n", &start, &end, perms, &offset,
                    device, &inode, &path_at) < 4 ||
        end <= start) {
      continue;  // not a mapping (the kernel writes none that ends before it starts)
    }
    m.start = start;
    m.end = end;
    m.offset = offset;
    m.perms = perms;
    m.device = device;
    m.inode = inode;
    if (path_at > 0 && static_cast<std::size_t>(path_at) < line.size())
      m.path = line.substr(path_at);
    out.push_back(std::move(m));
  }
  return out;
}

std::string format_maps_line(const Mapping& m) {
  std::string line = fmt::format("{:x}-{:x} {} {:08x} {} {}", m.start, m.end, m.perms, m.offset,
                                 m.device.empty() ? "00:00" : m.device, m.inode);
  if (!m.path.empty()) line += " " + m.path;
  return line + "\n";
}

std::optional<std::uint64_t> elf_symbol_value(const std::string& path, std::string_view name) {
  ElfHandle elf(path);
  if (elf.get() == nullptr) return std::nullopt;
  if (auto v = find_in_section(elf.get(), SHT_SYMTAB, name)) return v;
  return find_in_section(elf.get(), SHT_DYNSYM, name);
}

std::optional<std::uint64_t> load_bias(const std::string& open_path, const std::string& mapped_path,
                                       const std::vector<Mapping>& maps) {
  const Mapping* first = nullptr;
  for (const Mapping& m : maps) {
    if (m.path == mapped_path && m.offset == 0) {
      first = &m;
      break;
    }
  }
  if (first == nullptr) return std::nullopt;
  ElfHandle elf(open_path);
  if (elf.get() == nullptr) return std::nullopt;
  std::size_t count = 0;
  if (elf_getphdrnum(elf.get(), &count) != 0) return std::nullopt;
  for (std::size_t i = 0; i < count; ++i) {
    GElf_Phdr phdr;
    if (gelf_getphdr(elf.get(), static_cast<int>(i), &phdr) == nullptr || phdr.p_type != PT_LOAD)
      continue;
    const std::uint64_t page = phdr.p_align > 1 ? phdr.p_align : 4096;
    return first->start - (phdr.p_vaddr & ~(page - 1));
  }
  return std::nullopt;
}

std::string_view without_deleted(std::string_view path) {
  constexpr std::string_view kDeleted = " (deleted)";
  if (path.size() > kDeleted.size() && path.ends_with(kDeleted)) {
    path.remove_suffix(kDeleted.size());
  }
  return path;
}

std::string file_build_id(const std::string& path) {
  ElfHandle elf(path);
  if (elf.get() == nullptr) return {};
  const void* bits = nullptr;
  const ssize_t n = dwelf_elf_gnu_build_id(elf.get(), &bits);
  if (n <= 0) return {};
  return {static_cast<const char*>(bits), static_cast<std::size_t>(n)};
}

std::string build_id_in_memory(pid_t pid, std::uint64_t start) {
  Elf64_Ehdr ehdr;
  if (!read_remote(pid, start, &ehdr, sizeof ehdr)) return {};
  if (std::memcmp(ehdr.e_ident, ELFMAG, SELFMAG) != 0 || ehdr.e_ident[EI_CLASS] != ELFCLASS64 ||
      ehdr.e_phentsize != sizeof(Elf64_Phdr) || ehdr.e_phnum == 0 || ehdr.e_phnum > 128) {
    return {};
  }
  std::array<Elf64_Phdr, 128> phdrs{};
  const std::size_t phdrs_size = ehdr.e_phnum * sizeof(Elf64_Phdr);
  if (!read_remote(pid, start + ehdr.e_phoff, phdrs.data(), phdrs_size)) return {};
  // `start` maps file offset 0, which the first PT_LOAD maps at its page-aligned vaddr.
  std::optional<std::uint64_t> bias;
  for (std::size_t i = 0; i < ehdr.e_phnum && !bias; ++i) {
    const Elf64_Phdr& p = phdrs[i];
    if (p.p_type != PT_LOAD) continue;
    if (p.p_offset != 0) return {};
    const std::uint64_t align = p.p_align > 1 ? p.p_align : 4096;
    bias = start - (p.p_vaddr & ~(align - 1));
  }
  if (!bias) return {};
  for (std::size_t i = 0; i < ehdr.e_phnum; ++i) {
    const Elf64_Phdr& p = phdrs[i];
    if (p.p_type != PT_NOTE || p.p_filesz == 0) continue;
    std::array<std::uint8_t, 4096> notes{};
    const std::size_t size = std::min<std::size_t>(p.p_filesz, notes.size());
    if (!read_remote(pid, *bias + p.p_vaddr, notes.data(), size)) continue;
    std::string id = build_id_in_notes(notes.data(), size);
    if (!id.empty()) return id;
  }
  return {};
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

}  // namespace cspy::modules
