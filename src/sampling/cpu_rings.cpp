// CpuRings: per-CPU rings shared by many threads' task-clock events (see the header).
#include "cpu_rings.h"

#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <string>

#include <fmt/core.h>

namespace cspy::sampling {

namespace {

int perf_event_open(perf_event_attr& attr, pid_t tid, int cpu) {
  return static_cast<int>(
      ::syscall(SYS_perf_event_open, &attr, tid, cpu, -1, PERF_FLAG_FD_CLOEXEC));
}

}  // namespace

std::vector<int> CpuRings::online_cpus() {
  std::vector<int> cpus;
  std::ifstream in("/sys/devices/system/cpu/online");
  std::string list;
  if (in >> list) {
    std::istringstream ranges(list);
    std::string range;
    while (std::getline(ranges, range, ',')) {
      const auto dash = range.find('-');
      const int first = std::stoi(range.substr(0, dash));
      const int last = dash == std::string::npos ? first : std::stoi(range.substr(dash + 1));
      for (int c = first; c <= last; ++c) cpus.push_back(c);
    }
  }
  if (cpus.empty()) {
    for (long c = 0; c < ::sysconf(_SC_NPROCESSORS_ONLN); ++c) cpus.push_back(static_cast<int>(c));
  }
  return cpus;
}

Result<CpuRings> CpuRings::open(std::size_t data_size, std::size_t min_size,
                                std::uint32_t wakeup_bytes) {
  CpuRings rings;
  for (int cpu : online_cpus()) {
    perf_event_attr attr{};
    attr.size = sizeof attr;
    attr.type = PERF_TYPE_SOFTWARE;
    attr.config = PERF_COUNT_SW_DUMMY;
    attr.exclude_kernel = 1;
    attr.exclude_hv = 1;
    attr.use_clockid = 1;  // SET_OUTPUT wants the writers' clock
    attr.clockid = CLOCK_MONOTONIC;
    attr.watermark = 1;
    attr.wakeup_watermark = wakeup_bytes;
    UniqueFd owner(perf_event_open(attr, ::getpid(), cpu));
    if (!owner.valid()) return errno_error(fmt::format("perf_event_open (CPU {} ring)", cpu));
    RingBuffer ring = RingBuffer::map(owner.get(), data_size, min_size);
    if (ring.mapped_bytes() == 0) {
      return Error(ErrorKind::kGeneric,
                   fmt::format("no perf ring buffer for CPU {}: the locked-memory limit is "
                               "used up; raise kernel.perf_event_mlock_kb or `ulimit -l`, or "
                               "run as root",
                               cpu),
                   errno);
    }
    rings.rings_.push_back(Ring{cpu, std::move(owner), std::move(ring)});
  }
  return rings;
}

Result<void> CpuRings::add_thread(pid_t tid, perf_event_attr attr) {
  attr.inherit = 1;
  attr.inherit_thread = 1;  // threads, not forked processes (--subprocesses finds those)
  attr.sample_type |= PERF_SAMPLE_IDENTIFIER;
  ThreadEvents events;
  for (const Ring& r : rings_) {
    UniqueFd fd(perf_event_open(attr, tid, r.cpu));
    if (!fd.valid()) return Error(ErrorKind::kGeneric, "perf_event_open", errno);
    std::uint64_t id = 0;
    if (::ioctl(fd.get(), PERF_EVENT_IOC_SET_OUTPUT, r.owner.get()) != 0 ||
        ::ioctl(fd.get(), PERF_EVENT_IOC_ID, &id) != 0) {
      return Error(ErrorKind::kGeneric, fmt::format("redirecting thread {}'s event", tid), errno);
    }
    events.fds.push_back(std::move(fd));
    events.ids.push_back(id);
  }
  for (std::uint64_t id : events.ids) owners_[id] = tid;
  threads_[tid] = std::move(events);
  return {};
}

void CpuRings::remove_thread(pid_t tid) {
  auto it = threads_.find(tid);
  if (it == threads_.end()) return;
  for (std::uint64_t id : it->second.ids) owners_.erase(id);
  threads_.erase(it);
}

pid_t CpuRings::owner_of(std::uint64_t id) const {
  auto it = owners_.find(id);
  return it == owners_.end() ? 0 : it->second;
}

std::vector<int> CpuRings::poll_fds() const {
  std::vector<int> fds;
  fds.reserve(rings_.size());
  for (const Ring& r : rings_) fds.push_back(r.owner.get());
  return fds;
}

std::size_t CpuRings::locked_bytes() const {
  std::size_t n = 0;
  for (const Ring& r : rings_) n += r.ring.mapped_bytes();
  return n;
}

}  // namespace cspy::sampling
