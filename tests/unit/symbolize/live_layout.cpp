// Module layout of live test programs, for the symbolizer's agreement tests.
#include "live_layout.h"

#include <fcntl.h>
#include <gelf.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <thread>

#include "support/child_process.h"
#include "support/test_files.h"

namespace cspy::symbolize {

using namespace std::chrono_literals;

std::pair<std::uint64_t, std::uint64_t> text_range(const std::string& path) {
  std::pair<std::uint64_t, std::uint64_t> range{0, 0};
  elf_version(EV_CURRENT);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return range;
  Elf* elf = elf_begin(fd, ELF_C_READ, nullptr);
  std::size_t shstrndx = 0;
  if (elf != nullptr && elf_getshdrstrndx(elf, &shstrndx) == 0) {
    for (Elf_Scn* scn = nullptr; (scn = elf_nextscn(elf, scn)) != nullptr;) {
      GElf_Shdr shdr;
      const char* name =
          gelf_getshdr(scn, &shdr) ? elf_strptr(elf, shstrndx, shdr.sh_name) : nullptr;
      if (name != nullptr && std::string(name) == ".text")
        range = {shdr.sh_addr, shdr.sh_addr + shdr.sh_size};
    }
  }
  if (elf != nullptr) elf_end(elf);
  ::close(fd);
  return range;
}

std::uint64_t load_base(const std::string& maps, const std::string& path) {
  std::istringstream lines(maps);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.size() < path.size() ||
        line.compare(line.size() - path.size(), path.size(), path) != 0)
      continue;
    std::istringstream in(line);
    std::string range, perms, offset;
    in >> range >> perms >> offset;
    if (std::stoull(offset, nullptr, 16) == 0)
      return std::stoull(range.substr(0, range.find('-')), nullptr, 16);
  }
  return 0;
}

std::string maps_of_running(const std::vector<std::string>& argv, const std::string& ready) {
  test::ChildProcess child(argv);
  if (!ready.empty()) {
    EXPECT_TRUE(child.wait_for_output(ready, 10s));
  }
  std::this_thread::sleep_for(100ms);
  std::string maps = test::read_file("/proc/" + std::to_string(child.pid()) + "/maps");
  child.kill_and_reap();
  return maps;
}

std::string mapped_path(const std::string& maps, const std::string& name) {
  std::istringstream lines(maps);
  for (std::string line; std::getline(lines, line);) {
    const auto slash = line.find('/');
    if (slash != std::string::npos && line.find(name) != std::string::npos) {
      return line.substr(slash);
    }
  }
  return "";
}

std::vector<std::uint64_t> spread_over(std::uint64_t start, std::uint64_t end, std::size_t count) {
  std::vector<std::uint64_t> addrs;
  const std::uint64_t step = std::max<std::uint64_t>(1, (end - start) / count) | 1;
  for (std::uint64_t a = start; a < end; a += step) addrs.push_back(a);
  return addrs;
}

std::string basename_of(const std::string& path) { return path.substr(path.rfind('/') + 1); }

}  // namespace cspy::symbolize
