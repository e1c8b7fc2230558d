// Parsing the perf_event records the sampler asks for (see perf_records.h).
#include "perf_records.h"

#include <linux/perf_event.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <string_view>

namespace cspy::sampling {

namespace {

// DWARF register number for each set bit of kPerfRegsMask, in bit order.
constexpr int kPerfToDwarf[] = {0, 3, 2, 1, 4, 5, 6, 7, 16, 8, 9, 10, 11, 12, 13, 14, 15};

}  // namespace

bool parse_exec(const std::uint8_t* p, const std::uint8_t* end, ExecRecord& exec) {
  std::uint32_t ids[2];
  if (end - p < 8) return false;
  std::memcpy(ids, p, 8);
  const auto* name = reinterpret_cast<const char*>(p + 8);
  const std::size_t room = static_cast<std::size_t>(end - p) - 8;
  const std::size_t len = ::strnlen(name, room);
  const std::size_t padded = (len + 1 + 7) / 8 * 8;
  if (padded + 16 > room) return false;
  std::uint64_t time = 0;
  std::memcpy(&time, p + 8 + padded + 8, 8);
  exec.name.assign(name, len);
  exec.pid = static_cast<pid_t>(ids[0]);
  exec.tid = static_cast<pid_t>(ids[1]);
  exec.time_ns = time;
  return true;
}

bool parse_mmap2(const std::uint8_t* p, const std::uint8_t* end, MmapEvent& mmap) {
  struct Fixed {
    std::uint32_t pid, tid;
    std::uint64_t addr, len, pgoff;
    std::uint32_t maj, min;
    std::uint64_t ino, ino_generation;
    std::uint32_t prot, flags;
  } fixed{};
  static_assert(sizeof(Fixed) == 64);
  if (end - p < static_cast<std::ptrdiff_t>(sizeof fixed)) return false;
  std::memcpy(&fixed, p, sizeof fixed);
  const auto* name = reinterpret_cast<const char*>(p + sizeof fixed);
  const std::size_t room = static_cast<std::size_t>(end - p) - sizeof fixed;
  const std::size_t len = ::strnlen(name, room);
  const std::size_t padded = (len + 1 + 7) / 8 * 8;
  if (padded + 16 > room) return false;
  std::memcpy(&mmap.time_ns, p + sizeof fixed + padded + 8, 8);
  mmap.pid = static_cast<pid_t>(fixed.pid);
  mmap.start = fixed.addr;
  mmap.len = fixed.len;
  mmap.offset = fixed.pgoff;
  mmap.major = fixed.maj;
  mmap.minor = fixed.min;
  mmap.inode = fixed.ino;
  mmap.prot = fixed.prot;
  mmap.shared = (fixed.flags & MAP_SHARED) != 0;
  const std::string_view path(name, len);
  mmap.path = path == "//anon" ? std::string() : std::string(path);
  return true;
}

bool parse_sample(const std::uint8_t* p, const std::uint8_t* end, RawSample& sample,
                  std::span<const std::uint64_t>* kernel_ips) {
  auto take = [&](void* dst, std::size_t n) {
    if (p + n > end) return false;
    std::memcpy(dst, p, n);
    p += n;
    return true;
  };
  std::uint32_t ids[2];
  std::uint64_t abi = 0;
  if (!take(ids, 8) || !take(&sample.time_ns, 8)) return false;
  if (kernel_ips != nullptr) {
    std::uint64_t n = 0;
    if (!take(&n, 8) || n > static_cast<std::uint64_t>(end - p) / 8) return false;
    *kernel_ips = std::span<const std::uint64_t>(reinterpret_cast<const std::uint64_t*>(p), n);
    p += n * 8;
  }
  if (!take(&abi, 8)) return false;
  sample.pid = static_cast<pid_t>(ids[0]);
  sample.tid = static_cast<pid_t>(ids[1]);
  sample.has_regs = abi != PERF_SAMPLE_REGS_ABI_NONE;
  if (sample.has_regs) {
    for (int dwarf : kPerfToDwarf) {
      if (!take(&sample.regs.dwarf[static_cast<std::size_t>(dwarf)], 8)) return false;
    }
  }
  std::uint64_t size = 0;
  if (!take(&size, 8)) return false;
  const std::uint8_t* stack = p;
  if (size > static_cast<std::uint64_t>(end - p)) return false;  // not p + size: it may wrap
  p += size;
  std::uint64_t dyn_size = 0;
  if (size != 0 && !take(&dyn_size, 8)) return false;
  sample.stack = std::span<const std::uint8_t>(stack, std::min(size, dyn_size));
  return true;
}

}  // namespace cspy::sampling
