// The kernel's vDSO image, copied from cspy's own address space into a memory file.
#include "vdso.h"

#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#include <sstream>

#include "cspy/process/process.h"

namespace cspy::modules {

namespace {

struct VdsoImage {
  std::string path;
  std::uint64_t size = 0;
};

VdsoImage save_image() {
  VdsoImage image;
  const std::uint64_t start = ::getauxval(AT_SYSINFO_EHDR);
  if (start == 0) return image;
  auto maps = process::read_text_file("/proc/self/maps");
  std::uint64_t low = 0;
  std::uint64_t high = 0;
  if (!maps || !find_vdso_range(*maps, low, high) || low != start || high <= low) return image;
  const std::uint64_t size = high - low;
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

bool find_vdso_range(const std::string& maps, std::uint64_t& low, std::uint64_t& high) {
  const std::size_t at = maps.find(" [vdso]");
  if (at == std::string::npos) return false;
  const std::size_t rfind = maps.rfind('\n', at);
  const std::size_t line_start = rfind == std::string::npos ? 0 : rfind + 1;
  std::istringstream in(maps.substr(line_start, at - line_start));
  char dash = 0;
  return static_cast<bool>(in >> std::hex >> low >> dash >> high) && dash == '-';
}

const std::string& own_vdso_path() { return image().path; }
std::uint64_t own_vdso_size() { return image().size; }

}  // namespace cspy::modules
