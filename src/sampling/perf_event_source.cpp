// The perf_event backend: one task-clock event per thread, sampling user registers and
// a copy of the user stack into an mmap'd ring buffer that the kernel fills. The target
// is never stopped; threads born later are picked up from /proc/PID/task. With --idle, a
// context-switch event per thread samples the stack each time it leaves the CPU, weighted
// by the time until it runs again (OffCpuPairing); /proc is polled where that is refused.
#include <linux/perf_event.h>
#include <malloc.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/core.h>

#include "cpu_rings.h"
#include "cspy/core/clock.h"
#include "cspy/core/log.h"
#include "cspy/core/unique_fd.h"
#include "cspy/process/permissions.h"
#include "cspy/process/process_tree.h"
#include "cspy/sampling/idle_sampler.h"
#include "cspy/sampling/perf_event_source.h"
#include "cspy/sampling/syscalls.h"
#include "off_cpu_pairing.h"
#include "perf_records.h"
#include "ring_buffer.h"

namespace cspy::sampling {

namespace {

// The smallest ring worth having: two 16 KiB stack samples and their headers.
constexpr std::size_t kMinRingBytes = std::size_t{64} * 1024;
// A ring's largest size (see ring_size), and above 1 kHz, with the budget over all CPUs.
constexpr std::size_t kRingBytes = std::size_t{4} * 1024 * 1024;
constexpr std::size_t kHighRateRingBytes = std::size_t{16} * 1024 * 1024;
constexpr std::size_t kHighRateRingBudget = std::size_t{64} * 1024 * 1024;
// The reader thread looks for new threads at least this often.
constexpr int kReaderWakeMs = 50;
// At most this many bytes of queued stacks (~10,000 deep samples: 1 s at 10 kHz).
constexpr std::size_t kMaxQueuedBytes = std::size_t{160} * 1024 * 1024;
// Stack buffers kept for reuse once handed on (a start-up backlog's are freed).
constexpr std::size_t kSpareBuffers = 64;
// A batch this large (a start-up backlog) leaves freed heap behind: give it back.
constexpr std::size_t kTrimAfterBytes = std::size_t{8} * 1024 * 1024;
// The ring of a context-switch event (--idle): ~15 switches with 16 KiB stacks, drained
// at a quarter full. 1 MiB cost 200 MiB of zeroed pages for 200 threads at start-up.
constexpr std::size_t kSwitchRingBytes = std::size_t{256} * 1024;
// The reader lists new processes (--subprocesses) and threads this often; with shared
// rings, threads of a process past its attach passes only every kPruneNs (they inherit).
constexpr std::uint64_t kScanNs = 50'000'000ULL;
constexpr std::uint64_t kPruneNs = 1'000'000'000ULL;
// Listings of a process while its threads' events are opened (see scan_threads_of).
constexpr int kAttachPasses = 3;
// Threads still off CPU are handed on this often, weighted so far (live views see them).
constexpr std::uint64_t kOffCpuFlushNs = 1'000'000'000ULL;

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
      idle_ = std::make_unique<IdleSampler>(target, options.sampler.rate_hz,
                                            options.sampler.stack_bytes, options.sampler.hook);
    }
  }
  ~PerfEventSource() override { stop(); }

  Result<void> start() override {
    const std::uint64_t start_ns = monotonic_ns();
    // The reader waits on an epoll set, not poll(): with --idle, 2 descriptors a thread,
    // and a wait's cost then grows with the descriptors that are ready, not all of them.
    epoll_ = UniqueFd(::epoll_create1(EPOLL_CLOEXEC));
    if (!epoll_.valid()) return errno_error("epoll_create1");
    if (idle_) {
      kernel_syscalls_ = KernelSyscalls::load();
    } else {
      // Rings per CPU, not per thread: locked memory and wake-ups stay bounded at any thread
      // count. --idle keeps a ring per thread (its switch records are paired per thread).
      const std::size_t size = ring_size();
      auto rings = CpuRings::open(size, kMinRingBytes, wakeup_bytes(size));
      if (rings) {
        cpu_rings_.emplace(std::move(*rings));
        for (int fd : cpu_rings_->poll_fds()) watch(fd);
      } else {
        log::debug("perf_event: rings per thread: {}", rings.error().describe());
      }
    }
    auto first = open_thread(target_.pid());
    if (!first) return first.error();
    scan_threads();
    log::debug("perf_event: {} threads attached in {:.1f} ms: {} events, {} KiB of rings",
               seen_.size(), static_cast<double>(monotonic_ns() - start_ns) / 1e6,
               cpu_rings_ ? cpu_rings_->events() : events_.size() + switch_events_.size(),
               mapped_bytes() / 1024);
    wake_ = UniqueFd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!wake_.valid()) return errno_error("eventfd");
    watch(wake_.get());
    reader_ = std::thread([this] { read_rings(); });
    return {};
  }

  Result<std::size_t> poll(SampleSink& sink, int timeout_ms) override {
    // Polling /proc for --idle: wake at least once per tick to sweep the blocked threads.
    if (idle_ && switches_refused_) {
      timeout_ms =
          std::min(timeout_ms, std::max(1, static_cast<int>(1000 / options_.sampler.rate_hz)));
    }
    std::deque<Queued> batch;
    std::size_t batch_bytes = 0;
    {
      std::unique_lock lock(queue_mutex_);
      if (timeout_ms > 0) {
        queue_ready_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                              [this] { return !queue_.empty() || !reader_error_.empty(); });
      }
      if (!reader_error_.empty()) return Error(ErrorKind::kGeneric, reader_error_);
      batch.swap(queue_);
      batch_bytes = queued_bytes_;
      queued_bytes_ = 0;
    }
    // A final poll (timeout 0) also takes what is in the rings now.
    if (timeout_ms == 0) {
      std::lock_guard rings(rings_mutex_);
      collect_into(batch);
      off_cpu_.flush(monotonic_ns(), [&batch](Queued&& q) { batch.push_back(std::move(q)); });
    }
    // In time order across the rings (one per CPU): a mapping made on one CPU reaches the
    // sink before the samples taken after it on another.
    std::stable_sort(batch.begin(), batch.end(), [](const Queued& a, const Queued& b) {
      return a.sample.time_ns < b.sample.time_ns;
    });
    std::size_t delivered = 0;
    for (Queued& q : batch) delivered += deliver(q, sink);
    recycle(batch);
    if (batch_bytes > kTrimAfterBytes) {
      batch.clear();
      batch.shrink_to_fit();
      ::malloc_trim(0);
    }
    if (idle_ && switches_refused_) delivered += idle_->poll(sink, monotonic_ns());
    return delivered;
  }

  void stop() override {
    if (reader_.joinable()) {
      stopping_ = true;
      const std::uint64_t one = 1;
      (void)!::write(wake_.get(), &one, sizeof one);
      reader_.join();
    }
    std::lock_guard rings(rings_mutex_);
    events_.clear();
    switch_events_.clear();
    if (cpu_rings_ && duplicates_ != 0) {
      log::debug("perf_event: {} samples of threads opened twice dropped", duplicates_);
    }
    cpu_rings_.reset();
  }
  std::size_t threads_seen() const override {
    std::lock_guard rings(rings_mutex_);
    return seen_.size() + retired_;
  }
  std::size_t threads_unsampled() const override {
    std::lock_guard rings(rings_mutex_);
    return unsampled_;
  }
  std::string unsampled_reason() const override {
    std::lock_guard rings(rings_mutex_);
    return unsampled_reason_;
  }
  std::string notice() const override {
    std::lock_guard rings(rings_mutex_);
    return notice_;
  }
  std::string lost_reason() const override {
    std::lock_guard lock(queue_mutex_);
    std::string why;
    if (kernel_lost_ != 0) {
      why = fmt::format(
          "{} samples were dropped by the kernel: its ring buffers ({} KiB per CPU) filled "
          "before cspy's reader emptied them (the CPUs were busy); a lower --rate or "
          "--stack-bytes loses fewer",
          kernel_lost_, ring_size() / 1024);
    }
    if (backlog_dropped_ != 0) {
      if (!why.empty()) why += "; ";
      why += fmt::format(
          "{} samples were dropped because unwinding fell behind sampling by {} MiB of stacks "
          "(cspy's bound); a lower --rate or --stack-bytes keeps up",
          backlog_dropped_, kMaxQueuedBytes / (std::size_t{1024} * 1024));
    }
    return why;
  }
  const char* name() const override { return "perf_event"; }
  bool reports_maps() const override { return !records_lost_; }

 private:
  // A record taken out of a ring: a sample (its stack bytes copied) or a lost count.
  struct Queued {
    RawSample sample;  // sample.stack is set from `stack` on delivery
    std::vector<std::uint8_t> stack;
    std::vector<std::uint64_t> interp;  // the capture hook's words
    pid_t lost_tid = 0;
    std::uint64_t lost = 0;  // non-zero: a PERF_RECORD_LOST
    bool exec = false;       // a PERF_RECORD_COMM of an exec: sample's pid and time
    std::string exec_name;
    std::optional<MmapEvent> mmap;  // a PERF_RECORD_MMAP2
  };

  // The reader thread: empties the rings into the queue as they fill, whatever the
  // thread that calls poll() is doing — the first samples can take hundreds of
  // milliseconds to unwind and symbolize (debug info is loaded), and a 10 kHz ring holds
  // only tens of milliseconds. Also opens the events of threads born later, and closes
  // those of threads that exited.
  void read_rings() {
    std::array<epoll_event, 64> ready{};
    while (!stopping_) {
      const int n =
          ::epoll_wait(epoll_.get(), ready.data(), static_cast<int>(ready.size()), kReaderWakeMs);
      if (n < 0 && errno != EINTR) {
        std::lock_guard lock(queue_mutex_);
        reader_error_ = fmt::format("epoll_wait on the perf events: {}", std::strerror(errno));
        queue_ready_.notify_all();
        return;
      }
      std::lock_guard rings(rings_mutex_);
      std::deque<Queued> batch;
      collect_into(batch);
      if (monotonic_ns() - last_flush_ns_ > kOffCpuFlushNs) {
        last_flush_ns_ = monotonic_ns();
        off_cpu_.flush(last_flush_ns_, [&batch](Queued&& q) { batch.push_back(std::move(q)); });
      }
      publish(batch);
      // Close the events of threads that exited (EPOLLHUP), after draining them.
      for (int i = 0; i < n; ++i) {
        const int fd = ready[static_cast<std::size_t>(i)].data.fd;
        if ((ready[static_cast<std::size_t>(i)].events & EPOLLHUP) == 0 || fd == wake_.get())
          continue;
        close_exited(fd);
      }
      if (monotonic_ns() - last_scan_ns_ > kScanNs) scan_threads();
      if (cpu_rings_ && monotonic_ns() - last_prune_ns_ > kPruneNs) prune_exited();
    }
  }

  // Adds a descriptor to the reader's epoll set (readable or hung up).
  void watch(int fd) {
    epoll_event e{};
    e.events = EPOLLIN;
    e.data.fd = fd;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &e) != 0) {
      log::debug("perf_event: epoll_ctl on descriptor {}: {}", fd, std::strerror(errno));
    }
  }

  // The per-thread event `fd` hung up: its thread exited. Holds rings_mutex_.
  void close_exited(int fd) {
    (void)::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
    thread_exited_ = true;  // the next scan lists the threads again
    for (auto it = events_.begin(); it != events_.end(); ++it) {
      if (it->second.fd.get() == fd) {
        events_.erase(it);
        return;
      }
    }
    for (auto it = switch_events_.begin(); it != switch_events_.end(); ++it) {
      if (it->second.fd.get() == fd) {
        off_cpu_.forget(it->first);  // its last switch-out was its exit
        switch_events_.erase(it);
        return;
      }
    }
  }

  // Shared rings: closes the events of threads that exited and forgets them (an exited
  // thread's event never signals the rings' owners). Holds rings_mutex_.
  void prune_exited() {
    last_prune_ns_ = monotonic_ns();
    for (auto it = seen_.begin(); it != seen_.end();) {
      if (::kill(*it, 0) == 0 || errno != ESRCH) {
        ++it;
        continue;
      }
      cpu_rings_->remove_thread(*it);
      ++retired_;
      it = seen_.erase(it);
    }
    for (auto it = settled_.begin(); it != settled_.end();) {
      it = ::kill(*it, 0) != 0 && errno == ESRCH ? settled_.erase(it) : std::next(it);
    }
  }

  // Appends the batch to the queue, up to kMaxQueuedBytes of stacks (beyond that the
  // samples are dropped and counted as lost, as the kernel does when a ring is full).
  void publish(std::deque<Queued>& batch) {
    if (batch.empty()) return;
    std::lock_guard lock(queue_mutex_);
    for (Queued& q : batch) {
      if (q.lost == 0 && !q.exec && !q.mmap && queued_bytes_ > kMaxQueuedBytes) {
        q.lost_tid = q.sample.tid;
        q.lost = 1;
        q.stack = {};
        ++backlog_dropped_;
      } else if (q.lost != 0 && !q.exec) {
        kernel_lost_ += q.lost;
      }
      queued_bytes_ += q.stack.size();
      queue_.push_back(std::move(q));
    }
    queue_ready_.notify_all();
  }

  // Stack buffers handed on are kept for the reader to reuse (a backlog's are freed).
  void recycle(std::deque<Queued>& batch) {
    std::lock_guard lock(queue_mutex_);
    for (Queued& q : batch) {
      if (spare_.size() >= kSpareBuffers) break;
      if (q.stack.capacity() != 0) spare_.push_back(std::move(q.stack));
    }
  }

  void scan_threads() {
    last_scan_ns_ = monotonic_ns();
    list_settled_ = last_scan_ns_ - last_settled_scan_ns_ >= kPruneNs;
    if (list_settled_) last_settled_scan_ns_ = last_scan_ns_;
    relist_ = list_settled_ || std::exchange(thread_exited_, false);
    scan_threads_of(target_);
    if (!options_.sampler.children) return;
    // The target too: a launched one may exit before its samples are named.
    if (options_.sampler.process_seen) options_.sampler.process_seen(target_.pid());
    for (pid_t pid : process::descendants(target_.pid())) {
      auto child = process::Process::open(pid);
      if (!child) continue;
      // Its events first: every mapping made after they opened is reported, so what
      // process_seen reads next misses none.
      scan_threads_of(*child);
      if (options_.sampler.process_seen) options_.sampler.process_seen(pid);
    }
  }

  // Opens the events of the process's threads not seen before. With shared rings, a
  // thread born after its creator's events opened inherits them: the process is listed
  // again until a pass finds no thread born during the last one's opening (at most
  // kAttachPasses), and from then on its new threads are only counted.
  void scan_threads_of(const process::Process& process) {
    const bool settled = cpu_rings_ && settled_.count(process.pid()) != 0;
    if (settled && !list_settled_) return;
    // Per-thread events (--idle) are not inherited: a new thread must be listed. Listing
    // /proc/PID/task costs a lookup per thread, counting them one stat(): list only when
    // the count changed, a thread exited (another may have been born), or once a second.
    if (!cpu_rings_) {
      struct stat task {};
      const bool counted = ::stat(fmt::format("/proc/{}/task", process.pid()).c_str(), &task) == 0;
      auto [known, added] = listed_links_.try_emplace(process.pid(), 0);
      if (counted && !added && known->second == task.st_nlink && !relist_) return;
      if (counted) known->second = task.st_nlink;  // "." and ".." and one link per thread
    }
    for (int pass = 0; pass < (cpu_rings_ ? kAttachPasses : 1); ++pass) {
      std::size_t opened_now = 0;
      for (pid_t tid : process.threads()) {
        if (seen_.count(tid) != 0) continue;
        if (settled) {
          seen_.insert(tid);
          continue;
        }
        ++opened_now;
        auto opened = open_thread(tid);
        if (!opened && opened.error().kind() != ErrorKind::kTargetExited) {
          ++unsampled_;
          unsampled_reason_ = opened.error().describe();
        }
      }
      if (settled || opened_now == 0) break;
    }
    if (cpu_rings_) settled_.insert(process.pid());
  }

  // The task-clock event's attributes (sample_type without the identifier).
  perf_event_attr sample_attr(bool before_exec) const {
    perf_event_attr attr{};
    attr.size = sizeof attr;
    attr.type = PERF_TYPE_SOFTWARE;
    attr.config = PERF_COUNT_SW_TASK_CLOCK;
    attr.sample_period =
        static_cast<std::uint64_t>(1e9 / std::max(options_.sampler.rate_hz, 0.001));
    attr.sample_type =
        PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER;
    attr.sample_regs_user = kPerfRegsMask;
    attr.sample_stack_user = static_cast<std::uint32_t>(options_.sampler.stack_bytes);
    // Time spent in the kernel on the thread's behalf (syscalls, page faults) is counted
    // and charged to the user stack that entered it, where perf_event_paranoid allows.
    attr.exclude_kernel = count_kernel_time_ ? 0 : 1;
    attr.exclude_hv = 1;
    attr.use_clockid = 1;
    attr.clockid = CLOCK_MONOTONIC;
    // An exec is a PERF_RECORD_COMM, and each mapping made a PERF_RECORD_MMAP2 (code and
    // data: a library's first mapping is not executable), timed like the samples around
    // them (sample_id_all): each sample is named with the maps of its time.
    attr.comm = 1;
    attr.comm_exec = 1;
    attr.mmap = 1;
    attr.mmap2 = 1;
    attr.mmap_data = 1;
    attr.sample_id_all = 1;
    attr.disabled = before_exec ? 1 : 0;
    attr.enable_on_exec = before_exec ? 1 : 0;
    if (options_.sampler.hook != nullptr) {
      // The hook reads the target as each sample arrives: wake at every sample.
      attr.wakeup_events = 1;
    } else {
      attr.watermark = 1;
      attr.wakeup_watermark = wakeup_bytes(ring_size());
    }
    return attr;
  }

  // Opens the thread's event (per CPU into the shared rings, or one with its own ring).
  Result<void> open_thread(pid_t tid) {
    seen_.insert(tid);
    // A launched child held before exec counts from its exec on; threads found later
    // (necessarily after the exec) count at once.
    const bool before_exec = options_.enable_on_exec && tid == target_.pid() && events_.empty() &&
                             (!cpu_rings_ || cpu_rings_->threads() == 0);
    perf_event_attr attr = sample_attr(before_exec);
    auto open = [&]() -> Result<void> {
      if (cpu_rings_) return cpu_rings_->add_thread(tid, attr);
      return open_own_ring(tid, attr);
    };
    auto opened = open();
    const bool refused =
        !opened && (opened.error().sys_errno() == EACCES || opened.error().sys_errno() == EPERM);
    if (refused && count_kernel_time_) {
      count_kernel_time_ = false;  // unprivileged: user time only
      attr.exclude_kernel = 1;
      opened = open();
    }
    if (!opened) {
      const int e = opened.error().sys_errno();
      if (e == EACCES || e == EPERM) {
        return Error(ErrorKind::kPermission, process::explain_perf_refusal(target_.pid()), 0);
      }
      if (e == ESRCH) return Error(ErrorKind::kTargetExited, fmt::format("thread {} exited", tid));
      if (e == EMFILE) {
        return Error(ErrorKind::kGeneric, fmt::format("thread {}: {}", tid, fd_limit_message()));
      }
      if (!opened.error().message().starts_with("perf_event_open")) return opened.error();
      return Error(ErrorKind::kGeneric, fmt::format("perf_event_open for thread {}", tid), e);
    }
    if (idle_ && !switches_refused_) open_switches(tid, before_exec);
    return {};
  }

  // `ulimit -n` is reached: how many descriptors a thread takes, and what to raise.
  std::string fd_limit_message() const {
    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    const std::size_t per_thread = cpu_rings_ ? cpu_rings_->cpus() : (idle_ ? 2 : 1);
    return fmt::format(
        "the perf_event sampler holds {} file descriptor{} per thread and `ulimit -n` ({}) is "
        "reached at {} threads; raise it (`ulimit -n {}`) or sample fewer threads",
        per_thread, per_thread == 1 ? "" : "s (one per CPU)", limit.rlim_cur, seen_.size(),
        (seen_.size() * 2 + 64) * per_thread);
  }

  // Per-thread rings: the thread's event and its own ring (the errno of a refusal kept).
  Result<void> open_own_ring(pid_t tid, perf_event_attr& attr) {
    int fd =
        static_cast<int>(::syscall(SYS_perf_event_open, &attr, tid, -1, -1, PERF_FLAG_FD_CLOEXEC));
    if (fd < 0) return Error(ErrorKind::kGeneric, "perf_event_open", errno);
    UniqueFd owned(fd);
    // Unprivileged users may lock only kernel.perf_event_mlock_kb (516 KiB by default) of
    // ring buffers in all: with many threads, settle for smaller rings rather than none.
    RingBuffer ring = RingBuffer::map(fd, ring_size(), kMinRingBytes);
    if (ring.mapped_bytes() == 0) {
      return Error(ErrorKind::kGeneric,
                   fmt::format("no perf ring buffer for thread {}: the locked-memory limit is "
                               "used up; raise kernel.perf_event_mlock_kb or `ulimit -l`, run "
                               "as root, or use --sampler ptrace",
                               tid),
                   errno);
    }
    watch(fd);
    events_.emplace(tid, ThreadEvent{tid, std::move(owned), std::move(ring)});
    return {};
  }

  // --idle: the thread's context-switch event, sampled at every switch-out with the user
  // registers and stack and the kernel's stack (which names the system call); its switch
  // records (PERF_RECORD_SWITCH) time the switch-ins. A thread blocked already is read
  // once from /proc. Refused (perf_event_paranoid without CAP_PERFMON): /proc is polled.
  void open_switches(pid_t tid, bool before_exec) {
    perf_event_attr attr{};
    attr.size = sizeof attr;
    attr.type = PERF_TYPE_SOFTWARE;
    attr.config = PERF_COUNT_SW_CONTEXT_SWITCHES;
    attr.sample_period = 1;
    attr.sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CALLCHAIN |
                       PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER;
    attr.sample_regs_user = kPerfRegsMask;
    attr.sample_stack_user = static_cast<std::uint32_t>(options_.sampler.stack_bytes);
    attr.exclude_callchain_user = 1;
    attr.context_switch = 1;
    attr.sample_id_all = 1;  // switch records carry the thread and the time
    attr.exclude_hv = 1;
    attr.use_clockid = 1;
    attr.clockid = CLOCK_MONOTONIC;
    attr.disabled = before_exec ? 1 : 0;
    attr.enable_on_exec = before_exec ? 1 : 0;
    attr.watermark = 1;
    attr.wakeup_watermark = static_cast<std::uint32_t>(kSwitchRingBytes / 4);  // kept <= ring
    const std::uint64_t opened_ns = monotonic_ns();
    int fd =
        static_cast<int>(::syscall(SYS_perf_event_open, &attr, tid, -1, -1, PERF_FLAG_FD_CLOEXEC));
    if (fd < 0) {
      if (errno == EACCES || errno == EPERM) {
        switches_refused_ = true;
        notice_ =
            "off-CPU stacks are polled from /proc (inexact): kernel.perf_event_paranoid >= 2 "
            "refuses context-switch events without CAP_PERFMON; lower it to 1 for exact ones";
      }
      return;
    }
    UniqueFd owned(fd);
    RingBuffer ring = RingBuffer::map(fd, kSwitchRingBytes, kMinRingBytes);
    if (ring.mapped_bytes() == 0) return;
    watch(fd);
    switch_events_.emplace(tid, ThreadEvent{tid, std::move(owned), std::move(ring)});
    if (const RawSample* blocked = idle_->read_blocked(tid)) {
      Queued q;
      q.sample = *blocked;
      q.stack.assign(blocked->stack.begin(), blocked->stack.end());
      q.interp.assign(blocked->interp.begin(), blocked->interp.end());
      q.sample.stack = {};
      q.sample.interp = {};
      off_cpu_.blocked_since(std::move(q), opened_ns);
    }
  }

  // Room for ~0.25 s of samples at the requested rate, a power of two, 256 KiB..4 MiB; above
  // 1 kHz up to 16 MiB, within kHighRateRingBudget over all CPUs: a 4 MiB ring holds 25 ms
  // at 10 kHz, less than a busy machine may keep the reader thread off its CPU.
  std::size_t ring_size() const {
    double want =
        options_.sampler.rate_hz * static_cast<double>(options_.sampler.stack_bytes + 256) * 0.25;
    std::size_t most = kRingBytes;
    if (options_.sampler.rate_hz > 1000) {
      const std::size_t cpus = std::max<std::size_t>(1, CpuRings::online_cpus().size());
      most = std::clamp(kHighRateRingBudget / cpus, kRingBytes, kHighRateRingBytes);
    }
    std::size_t size = std::size_t{256} * 1024;
    while (size < want && size < most) size *= 2;
    return size;
  }
  static std::uint32_t wakeup_bytes(std::size_t ring) {
    return static_cast<std::uint32_t>(ring / 4);
  }
  // The bytes of rings mapped (locked by the kernel).
  std::size_t mapped_bytes() const {
    std::size_t n = cpu_rings_ ? cpu_rings_->locked_bytes() : 0;
    for (const auto& entry : events_) n += entry.second.ring.mapped_bytes();
    for (const auto& entry : switch_events_) n += entry.second.ring.mapped_bytes();
    return n;
  }

  // Moves every complete record of every ring into `batch`. Holds rings_mutex_.
  void collect_into(std::deque<Queued>& batch) {
    for (auto& entry : switch_events_) collect_switches(entry.second, batch);
    for (auto& entry : events_) {
      const pid_t tid = entry.first;
      entry.second.ring.drain(scratch_, [&](const perf_event_header& hdr, const std::uint8_t* rec) {
        take_record(hdr, rec, tid, batch);
      });
    }
    if (cpu_rings_) {
      cpu_rings_->drain(scratch_, [&](const perf_event_header& hdr, const std::uint8_t* rec) {
        take_record(hdr, rec, 0, batch);
      });
    }
  }

  // One record of a task-clock ring: its own thread's (`ring_tid`) or, 0, a shared one.
  void take_record(const perf_event_header& hdr, const std::uint8_t* rec, pid_t ring_tid,
                   std::deque<Queued>& batch) {
    const bool shared = ring_tid == 0;
    const std::uint8_t* body = rec + sizeof hdr;
    const std::uint8_t* end = rec + hdr.size;
    Queued q;
    if (hdr.type == PERF_RECORD_SAMPLE) {
      std::uint64_t id = 0;
      if (shared) {
        if (end - body < 8) return;
        std::memcpy(&id, body, 8);
        body += 8;
      }
      if (!parse_sample(body, end, q.sample)) return;
      if (shared && !own_sample(id, q.sample.tid)) return;
      q.stack = take_spare();
      q.stack.assign(q.sample.stack.begin(), q.sample.stack.end());
      q.sample.stack = {};
      if (options_.sampler.hook != nullptr)
        options_.sampler.hook->capture(q.sample.pid, q.sample.tid, q.interp);
    } else if (hdr.type == PERF_RECORD_LOST) {
      // u64 id, u64 lost, then sample_id: u32 pid, u32 tid, ...
      if (end - body < 24) return;
      std::memcpy(&q.lost, body + 8, 8);
      std::uint32_t tid = 0;
      std::memcpy(&tid, body + 20, 4);
      q.lost_tid = shared ? static_cast<pid_t>(tid) : ring_tid;
      if (q.lost == 0) return;
      records_lost_ = true;
    } else if (hdr.type == PERF_RECORD_MMAP2) {
      MmapEvent mmap;
      if (!parse_mmap2(body, end, mmap)) return;
      q.sample.time_ns = mmap.time_ns;
      q.mmap = std::move(mmap);
    } else if (hdr.type == PERF_RECORD_COMM && (hdr.misc & PERF_RECORD_MISC_COMM_EXEC) != 0) {
      ExecRecord exec;
      if (!parse_exec(body, end, exec)) return;
      q.exec = true;
      q.exec_name = std::move(exec.name);
      q.sample.pid = exec.pid;
      q.sample.tid = exec.tid;
      q.sample.time_ns = exec.time_ns;
    } else {
      return;
    }
    batch.push_back(std::move(q));
  }

  // Shared rings: whether a sample taken through event `id` is its thread's to count. A
  // thread born while the attach passes ran can be both inherited and opened: the
  // inherited event's samples are then dropped (counted), its own are kept.
  bool own_sample(std::uint64_t id, pid_t tid) {
    if (cpu_rings_->owner_of(id) == tid || !cpu_rings_->has_thread(tid)) {
      if (seen_.count(tid) == 0) seen_.insert(tid);
      return true;
    }
    ++duplicates_;
    return false;
  }

  // A context-switch ring: switch-out samples wait for their switch-in (OffCpuPairing).
  void collect_switches(ThreadEvent& ev, std::deque<Queued>& batch) {
    auto emit = [&batch](Queued&& q) { batch.push_back(std::move(q)); };
    ev.ring.drain(scratch_, [&](const perf_event_header& hdr, const std::uint8_t* rec) {
      const std::uint8_t* body = rec + sizeof hdr;
      if (hdr.type == PERF_RECORD_SAMPLE) {
        Queued q;
        std::span<const std::uint64_t> kernel_ips;
        if (!parse_sample(body, rec + hdr.size, q.sample, &kernel_ips)) return;
        q.sample.idle = true;
        q.sample.syscall = kernel_syscalls_.syscall_in(kernel_ips);
        q.sample.lock_holder = lock_holder(q.sample);
        q.stack = take_spare();
        q.stack.assign(q.sample.stack.begin(), q.sample.stack.end());
        q.sample.stack = {};
        if (options_.sampler.hook != nullptr)
          options_.sampler.hook->capture(q.sample.pid, q.sample.tid, q.interp);
        off_cpu_.switched_out(std::move(q));
      } else if (hdr.type == PERF_RECORD_SWITCH && hdr.size >= sizeof hdr + 16) {
        std::uint64_t time_ns = 0;  // sample_id: u32 pid, u32 tid, u64 time
        std::memcpy(&time_ns, body + 8, 8);
        if ((hdr.misc & PERF_RECORD_MISC_SWITCH_OUT) != 0) {
          off_cpu_.switch_out_record(ev.tid, (hdr.misc & PERF_RECORD_MISC_SWITCH_OUT_PREEMPT) != 0);
        } else {
          off_cpu_.switched_in(ev.tid, time_ns, emit);
        }
      } else if (hdr.type == PERF_RECORD_LOST) {
        // A full ring (most often many preemptions, whose samples are dropped anyway):
        // the pending switch-out may be older than the next switch-in, so it is forgotten.
        // Not [lost] samples: those weigh a sampling interval each, these are unknown.
        off_cpu_.forget(ev.tid);
      }
    });
  }

  // A thread waiting in futex for a pthread mutex: the TID that holds it, read from the
  // mutex as the sample arrives (glibc: the lock word is 2 when contended and __owner
  // follows 8 bytes on; a PI mutex's word is the owner's TID), if it is one of the
  // target's threads; else 0. rdi and rsi hold the futex's address and operation.
  pid_t lock_holder(const RawSample& sample) const {
    constexpr int kFutex = 202, kWait = 0, kLockPi = 6, kLockPi2 = 13, kDwarfRsi = 4, kDwarfRdi = 5;
    constexpr std::uint32_t kPiTidMask = 0x3fffffff;
    if (sample.syscall != kFutex || !sample.has_regs) return 0;
    const std::uint64_t op = sample.regs.dwarf[kDwarfRsi] & 127;  // without FUTEX_PRIVATE
    std::int32_t words[3] = {};                                   // __lock, __count, __owner
    auto n = target_.read_memory(RemoteAddr(sample.regs.dwarf[kDwarfRdi]), words, sizeof words);
    if (!n || *n != sizeof words) return 0;
    pid_t owner = 0;
    if (op == kWait && words[0] == 2) owner = words[2];
    if (op == kLockPi || op == kLockPi2) owner = static_cast<pid_t>(words[0] & kPiTidMask);
    if (owner <= 0 || owner == sample.tid || seen_.count(owner) == 0) return 0;
    return owner;
  }

  std::vector<std::uint8_t> take_spare() {
    std::lock_guard lock(queue_mutex_);
    if (spare_.empty()) return {};
    std::vector<std::uint8_t> buffer = std::move(spare_.back());
    spare_.pop_back();
    return buffer;
  }

  std::size_t deliver(Queued& q, SampleSink& sink) {
    if (q.mmap) {
      sink.on_mmap(*q.mmap);
      return 0;
    }
    if (q.exec) {
      sink.on_exec(q.sample.pid, q.sample.time_ns, q.exec_name);
      return 0;
    }
    if (q.lost != 0) {
      sink.on_lost(q.lost_tid, q.lost);
      return 0;
    }
    q.sample.stack = std::span<const std::uint8_t>(q.stack.data(), q.stack.size());
    q.sample.interp = std::span<const std::uint64_t>(q.interp.data(), q.interp.size());
    sink.on_sample(q.sample);
    return 1;
  }

  const process::Process& target_;
  PerfEventOptions options_;
  std::map<pid_t, ThreadEvent> events_;  // per-thread rings (--idle)
  std::optional<CpuRings> cpu_rings_;    // else: rings per CPU, shared
  std::set<pid_t> seen_;                 // threads alive (shared rings: pruned)
  std::size_t retired_ = 0;              // threads pruned from seen_
  std::set<pid_t> settled_;              // processes past their attach passes
  std::size_t duplicates_ = 0;
  std::uint64_t last_scan_ns_ = 0;
  std::uint64_t last_settled_scan_ns_ = 0;
  std::uint64_t last_prune_ns_ = 0;
  bool list_settled_ = true;
  std::vector<std::uint8_t> scratch_;
  // The reader thread owns the rings; rings_mutex_ guards them against a final poll()
  // and the thread counts. queue_mutex_ guards what follows it.
  mutable std::mutex rings_mutex_;
  std::thread reader_;
  UniqueFd wake_;   // written by stop() to end the reader's wait at once
  UniqueFd epoll_;  // the reader waits on it: rings, per-thread events, wake_
  // Per-thread events: /proc/PID/task's link count at its last listing, by process; and
  // whether a thread exited since the last scan (both tell when to list again).
  std::map<pid_t, nlink_t> listed_links_;
  bool thread_exited_ = false;
  bool relist_ = false;  // this scan lists every process's threads
  std::atomic<bool> stopping_{false};
  mutable std::mutex queue_mutex_;
  std::condition_variable queue_ready_;
  std::deque<Queued> queue_;
  std::size_t queued_bytes_ = 0;
  std::uint64_t kernel_lost_ = 0;      // PERF_RECORD_LOST counts (queue_mutex_)
  std::uint64_t backlog_dropped_ = 0;  // samples over kMaxQueuedBytes (queue_mutex_)
  std::vector<std::vector<std::uint8_t>> spare_;
  std::string reader_error_;
  bool count_kernel_time_ = true;
  std::atomic<bool> records_lost_{false};  // the kernel dropped records: maybe mappings
  std::unique_ptr<IdleSampler> idle_;      // --idle: threads off CPU
  // --idle: a context-switch event per thread, unless the kernel refuses them.
  std::map<pid_t, ThreadEvent> switch_events_;
  bool switches_refused_ = false;
  std::string notice_;
  OffCpuPairing<Queued> off_cpu_;
  KernelSyscalls kernel_syscalls_;
  std::uint64_t last_flush_ns_ = 0;
  std::size_t unsampled_ = 0;
  std::string unsampled_reason_;
};

}  // namespace

std::size_t perf_event_fds_per_thread(bool idle) {
  return idle ? 2 : CpuRings::online_cpus().size();
}

std::unique_ptr<SampleSource> make_perf_event_source(const process::Process& target,
                                                     const PerfEventOptions& options) {
  return std::make_unique<PerfEventSource>(target, options);
}

}  // namespace cspy::sampling
