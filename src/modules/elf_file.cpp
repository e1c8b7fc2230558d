// Maps lines, ELF symbol values and load biases, with libelf.
#include "cspy/modules/elf_file.h"

#include <fcntl.h>
#include <gelf.h>
#include <unistd.h>

#include <cstring>
#include <sstream>

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
    // start-end perms offset dev inode path
    if (std::sscanf(line.c_str(), "%llx-%llx %7s %llx %*s %*s %n", &start, &end, perms, &offset,
                    &path_at) < 4) {
      continue;
    }
    m.start = start;
    m.end = end;
    m.offset = offset;
    m.perms = perms;
    if (path_at > 0 && static_cast<std::size_t>(path_at) < line.size())
      m.path = line.substr(path_at);
    out.push_back(std::move(m));
  }
  return out;
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

}  // namespace cspy::modules
