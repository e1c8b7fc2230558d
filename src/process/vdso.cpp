// The kernel's vDSO image, copied from cspy's own address space into a memory file.
#include "vdso.h"

#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace cspy::process {

namespace {

struct VdsoImage {
  std::string path;
  std::uint64_t size = 0;
};

// The extent of our own [vdso] mapping, from /proc/self/maps.
std::uint64_t mapping_size(std::uint64_t start) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    if (line.find("[vdso]") == std::string::npos) continue;
    std::istringstream in(line);
    std::uint64_t low = 0;
    std::uint64_t high = 0;
    char dash = 0;
    in >> std::hex >> low >> dash >> high;
    return low == start && high > low ? high - low : 0;
  }
  return 0;
}

VdsoImage save_image() {
  VdsoImage image;
  const std::uint64_t start = ::getauxval(AT_SYSINFO_EHDR);
  if (start == 0) return image;
  const std::uint64_t size = mapping_size(start);
  if (size == 0) return image;
  // Kept open for the life of the process: libdw opens it by path whenever it reports it.
  const int fd = ::memfd_create("cspy-vdso", MFD_CLOEXEC);
  if (fd < 0) return image;
  const auto* bytes = reinterpret_cast<const char*>(start);
  std::uint64_t written = 0;
  while (written < size) {
    ssize_t n = ::write(fd, bytes + written, size - written);
    if (n <= 0) {
      ::close(fd);
      return image;
    }
    written += static_cast<std::uint64_t>(n);
  }
  image.path = "/proc/self/fd/" + std::to_string(fd);
  image.size = size;
  return image;
}

const VdsoImage& image() {
  static const VdsoImage saved = save_image();
  return saved;
}

}  // namespace

const std::string& own_vdso_path() { return image().path; }
std::uint64_t own_vdso_size() { return image().size; }

}  // namespace cspy::process
