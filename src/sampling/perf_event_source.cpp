// The perf_event backend: one task-clock event per thread, sampling user registers and
// a copy of the user stack into an mmap'd ring buffer that the kernel fills. The target
// is never stopped; threads born later are picked up from /proc/PID/task.
#include <linux/perf_event.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include <fmt/core.h>

#include "cspy/core/clock.h"
#include "cspy/core/unique_fd.h"
#include "cspy/process/permissions.h"
#include "cspy/sampling/idle_sampler.h"
#include "cspy/sampling/perf_event_source.h"

namespace cspy::sampling {

namespace {

// The smallest ring worth having: two 16 KiB stack samples and their headers.
constexpr std::size_t kMinRingBytes = 64 * 1024;

// perf's x86-64 register bits: AX BX CX DX SI DI BP SP IP (0-8) and R8-R15 (16-23).
constexpr std::uint64_t kRegsMask = 0x1ffULL | (0xffULL << 16);
// DWARF register number for each set bit of kRegsMask, in bit order.
constexpr int kPerfToDwarf[] = {0, 3, 2, 1, 4, 5, 6, 7, 16, 8, 9, 10, 11, 12, 13, 14, 15};

// The mmap'd ring of one thread's event.
class RingBuffer {
 public:
  RingBuffer() = default;
  RingBuffer(void* base, std::size_t data_size)
      : base_(base), data_size_(data_size) {}
  RingBuffer(RingBuffer&& o) noexcept
      : base_(std::exchange(o.base_, nullptr)), data_size_(o.data_size_) {}
  RingBuffer& operator=(RingBuffer&&) = delete;
  ~RingBuffer() {
    if (base_ != nullptr) ::munmap(base_, data_size_ + page_size());
  }
  static std::size_t page_size() { return static_cast<std::size_t>(::sysconf(_SC_PAGESIZE)); }

  // Calls fn(header, record bytes) for each complete record, then frees the space.
  template <typename Fn>
  void drain(std::vector<std::uint8_t>& scratch, Fn&& fn) {
    auto* meta = static_cast<perf_event_mmap_page*>(base_);
    std::uint64_t head = __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE);
    std::uint64_t tail = meta->data_tail;
    auto* data = static_cast<std::uint8_t*>(base_) + page_size();
    while (tail + sizeof(perf_event_header) <= head) {
      perf_event_header hdr;
      copy_out(data, tail, &hdr, sizeof hdr);
      if (hdr.size < sizeof hdr || tail + hdr.size > head) break;
      scratch.resize(hdr.size);
      copy_out(data, tail, scratch.data(), hdr.size);
      fn(hdr, scratch.data());
      tail += hdr.size;
    }
    __atomic_store_n(&meta->data_tail, tail, __ATOMIC_RELEASE);
  }

 private:
  void copy_out(const std::uint8_t* data, std::uint64_t pos, void* dst, std::size_t n) const {
    std::size_t off = pos % data_size_;
    std::size_t first = std::min(n, data_size_ - off);
    std::memcpy(dst, data + off, first);
    if (first < n) std::memcpy(static_cast<std::uint8_t*>(dst) + first, data, n - first);
  }
  void* base_ = nullptr;
  std::size_t data_size_ = 0;
};

struct ThreadEvent {
  pid_t tid;
  UniqueFd fd;
  RingBuffer ring;
};

class PerfEventSource final : public SampleSource {
 public:
  PerfEventSource(const process::Process& target, const PerfEventOptions& options)
      : target_(target), options_(options) {
    if (options.sampler.idle) {
      idle_ = std::make_unique<IdleSampler>(target, options.sampler.rate_hz, options.sampler.stack_bytes);
    }
  }
  ~PerfEventSource() override { stop(); }

  Result<void> start() override {
    auto first = open_thread(target_.pid());
    if (!first) return first.error();
    scan_threads();
    return {};
  }

  Result<std::size_t> poll(SampleSink& sink, int timeout_ms) override {
    std::vector<pollfd> fds;
    for (auto& [tid, ev] : events_) fds.push_back(pollfd{ev.fd.get(), POLLIN, 0});
    // With --idle, wake at least once per tick to sweep the blocked threads.
    if (idle_) timeout_ms = std::min(timeout_ms, std::max(1, static_cast<int>(1000 / options_.sampler.rate_hz)));
    if (!fds.empty() && ::poll(fds.data(), fds.size(), timeout_ms) < 0 && errno != EINTR) {
      return errno_error("poll");
    }
    std::size_t delivered = 0;
    for (auto& [tid, ev] : events_) delivered += drain(ev, sink);
    // Close the events of threads that exited (POLLHUP), after draining them.
    for (const pollfd& p : fds) {
      if ((p.revents & POLLHUP) == 0) continue;
      for (auto it = events_.begin(); it != events_.end(); ++it) {
        if (it->second.fd.get() == p.fd) {
          events_.erase(it);
          break;
        }
      }
    }
    if (idle_) delivered += idle_->poll(sink, monotonic_ns());
    if (monotonic_ns() - last_scan_ns_ > 50'000'000ULL) scan_threads();
    return delivered;
  }

  void stop() override { events_.clear(); }
  std::size_t threads_seen() const override { return seen_.size(); }
  std::size_t threads_unsampled() const override { return unsampled_; }
  std::string unsampled_reason() const override { return unsampled_reason_; }
  const char* name() const override { return "perf_event"; }

 private:
  void scan_threads() {
    last_scan_ns_ = monotonic_ns();
    for (pid_t tid : target_.threads()) {
      if (seen_.count(tid) != 0) continue;
      auto opened = open_thread(tid);
      if (!opened && opened.error().kind() != ErrorKind::kTargetExited) {
        ++unsampled_;
        unsampled_reason_ = opened.error().describe();
      }
    }
  }

  Result<void> open_thread(pid_t tid) {
    seen_.insert(tid);
    perf_event_attr attr{};
    attr.size = sizeof attr;
    attr.type = PERF_TYPE_SOFTWARE;
    attr.config = PERF_COUNT_SW_TASK_CLOCK;
    attr.sample_period = static_cast<std::uint64_t>(1e9 / std::max(options_.sampler.rate_hz, 0.001));
    attr.sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER;
    attr.sample_regs_user = kRegsMask;
    attr.sample_stack_user = static_cast<std::uint32_t>(options_.sampler.stack_bytes);
    // Time spent in the kernel on the thread's behalf (syscalls, page faults) is counted
    // and charged to the user stack that entered it, where perf_event_paranoid allows.
    attr.exclude_kernel = count_kernel_time_ ? 0 : 1;
    attr.exclude_hv = 1;
    attr.use_clockid = 1;
    attr.clockid = CLOCK_MONOTONIC;
    // A launched child held before exec counts from its exec on; threads found later
    // (necessarily after the exec) count at once.
    const bool before_exec = options_.enable_on_exec && tid == target_.pid() && events_.empty();
    attr.disabled = before_exec ? 1 : 0;
    attr.enable_on_exec = before_exec ? 1 : 0;
    attr.watermark = 1;
    std::size_t data_size = ring_size();
    attr.wakeup_watermark = static_cast<std::uint32_t>(data_size / 4);

    int fd = static_cast<int>(::syscall(SYS_perf_event_open, &attr, tid, -1, -1, PERF_FLAG_FD_CLOEXEC));
    if (fd < 0 && (errno == EACCES || errno == EPERM) && count_kernel_time_) {
      count_kernel_time_ = false;  // unprivileged: user time only
      attr.exclude_kernel = 1;
      fd = static_cast<int>(::syscall(SYS_perf_event_open, &attr, tid, -1, -1, PERF_FLAG_FD_CLOEXEC));
    }
    if (fd < 0) {
      int e = errno;
      if (e == EACCES || e == EPERM) {
        return Error(ErrorKind::kPermission, process::explain_perf_refusal(target_.pid()), 0);
      }
      if (e == ESRCH) return Error(ErrorKind::kTargetExited, fmt::format("thread {} exited", tid));
      return Error(ErrorKind::kGeneric, fmt::format("perf_event_open for thread {}", tid), e);
    }
    UniqueFd owned(fd);
    // Unprivileged users may lock only kernel.perf_event_mlock_kb (516 KiB by default) of
    // ring buffers in all: with many threads, settle for smaller rings rather than none.
    auto map_ring = [fd](std::size_t size) {
      return ::mmap(nullptr, size + RingBuffer::page_size(), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    };
    void* base = map_ring(data_size);
    while (base == MAP_FAILED && data_size > kMinRingBytes) {
      data_size /= 2;
      base = map_ring(data_size);
    }
    if (base == MAP_FAILED) {
      return Error(ErrorKind::kGeneric,
                   fmt::format("no perf ring buffer for thread {}: the locked-memory limit is "
                               "used up; raise `ulimit -l` or kernel.perf_event_mlock_kb, run as "
                               "root, or use --sampler ptrace", tid), errno);
    }
    events_.emplace(tid, ThreadEvent{tid, std::move(owned), RingBuffer(base, data_size)});
    return {};
  }

  // Room for ~0.25 s of samples at the requested rate, a power of two, 256 KiB..4 MiB.
  std::size_t ring_size() const {
    double want = options_.sampler.rate_hz * static_cast<double>(options_.sampler.stack_bytes + 256) * 0.25;
    std::size_t size = 256 * 1024;
    while (size < want && size < 4 * 1024 * 1024) size *= 2;
    return size;
  }

  std::size_t drain(ThreadEvent& ev, SampleSink& sink) {
    std::size_t n = 0;
    ev.ring.drain(scratch_, [&](const perf_event_header& hdr, const std::uint8_t* rec) {
      if (hdr.type == PERF_RECORD_SAMPLE) {
        if (parse_sample(rec + sizeof hdr, rec + hdr.size)) {
          sink.on_sample(sample_);
          ++n;
        }
      } else if (hdr.type == PERF_RECORD_LOST) {
        std::uint64_t lost;
        std::memcpy(&lost, rec + sizeof hdr + 8, 8);
        sink.on_lost(ev.tid, lost);
      }
    });
    return n;
  }

  bool parse_sample(const std::uint8_t* p, const std::uint8_t* end) {
    auto take = [&](void* dst, std::size_t n) {
      if (p + n > end) return false;
      std::memcpy(dst, p, n);
      p += n;
      return true;
    };
    std::uint32_t ids[2];
    std::uint64_t abi = 0;
    if (!take(ids, 8) || !take(&sample_.time_ns, 8) || !take(&abi, 8)) return false;
    sample_.pid = static_cast<pid_t>(ids[0]);
    sample_.tid = static_cast<pid_t>(ids[1]);
    sample_.has_regs = abi != PERF_SAMPLE_REGS_ABI_NONE;
    if (sample_.has_regs) {
      for (int dwarf : kPerfToDwarf) {
        if (!take(&sample_.regs.dwarf[static_cast<std::size_t>(dwarf)], 8)) return false;
      }
    }
    std::uint64_t size = 0;
    if (!take(&size, 8)) return false;
    const std::uint8_t* stack = p;
    if (p + size > end) return false;
    p += size;
    std::uint64_t dyn_size = 0;
    if (size != 0 && !take(&dyn_size, 8)) return false;
    sample_.stack = std::span<const std::uint8_t>(stack, std::min(size, dyn_size));
    return true;
  }

  const process::Process& target_;
  PerfEventOptions options_;
  std::map<pid_t, ThreadEvent> events_;
  std::set<pid_t> seen_;
  std::uint64_t last_scan_ns_ = 0;
  std::vector<std::uint8_t> scratch_;
  RawSample sample_;
  bool count_kernel_time_ = true;
  std::unique_ptr<IdleSampler> idle_;  // --idle: threads off CPU
  std::size_t unsampled_ = 0;
  std::string unsampled_reason_;
};

}  // namespace

std::unique_ptr<SampleSource> make_perf_event_source(const process::Process& target,
                                                     const PerfEventOptions& options) {
  return std::make_unique<PerfEventSource>(target, options);
}

}  // namespace cspy::sampling
