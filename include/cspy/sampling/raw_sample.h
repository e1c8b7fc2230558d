// RawSample: one captured sample before any interpretation — which thread, when, the
// user registers (x86-64, in DWARF register order) and a copy of the top of its user
// stack. The hand-off between capture and unwinding; it can be saved and replayed.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

namespace cspy::sampling {

// x86-64 DWARF register numbers: rax rdx rcx rbx rsi rdi rbp rsp r8..r15 rip.
inline constexpr int kDwarfRegCount = 17;
inline constexpr int kDwarfSp = 7;
inline constexpr int kDwarfBp = 6;
inline constexpr int kDwarfIp = 16;

struct UserRegs {
  std::array<std::uint64_t, kDwarfRegCount> dwarf{};
  std::uint64_t sp() const { return dwarf[kDwarfSp]; }
  std::uint64_t ip() const { return dwarf[kDwarfIp]; }
};

struct RawSample {
  pid_t pid = 0;
  pid_t tid = 0;
  std::uint64_t time_ns = 0;  // CLOCK_MONOTONIC
  bool has_regs = false;      // false: the sample hit kernel-only context
  bool idle = false;          // the thread was off CPU (--idle)
  // Off CPU: the nanoseconds this sample stands for (from its switch-out to its switch-in),
  // 0 when it stands for one sampling interval (a /proc poll); and the system call the
  // thread waited in, -1 when unknown.
  std::uint64_t off_cpu_ns = 0;
  std::int32_t syscall = -1;
  // Off CPU in futex on a locked pthread mutex: the thread holding it (0: unknown).
  pid_t lock_holder = 0;
  UserRegs regs;
  std::span<const std::uint8_t> stack;  // bytes starting at regs.sp()
  // What a CaptureHook read at the same moment (an interpreter's frames); may be empty.
  std::span<const std::uint64_t> interp;
};

// Reads what must be read at the moment of a sample besides registers and stack — an
// interpreter's frame chain — on the sampler's own thread, as each sample arrives (with
// ptrace, while the thread is stopped).
class CaptureHook {
 public:
  virtual ~CaptureHook() = default;
  // Appends words describing thread `tid` of process `pid` as it is now; nothing when it
  // has none.
  virtual void capture(pid_t pid, pid_t tid, std::vector<std::uint64_t>& words) = 0;
};

// Reads the 8-byte word at `addr` from the sample's stack copy; false when the copy does
// not hold all of it (addresses near the top of the address space included).
inline bool read_stack_word(const RawSample& sample, std::uint64_t addr, std::uint64_t& word) {
  const std::uint64_t sp = sample.regs.sp();
  if (addr < sp || addr - sp > sample.stack.size() ||
      sample.stack.size() - (addr - sp) < sizeof word) {
    return false;
  }
  std::memcpy(&word, sample.stack.data() + (addr - sp), sizeof word);
  return true;
}

// A mapping the kernel reported (PERF_RECORD_MMAP2, for an mmap or an mprotect of part of
// one): from `time_ns` on, process `pid` has [start, start + len) mapped from `path` (""
// for anonymous memory) at file offset `offset`, replacing what was there.
struct MmapEvent {
  pid_t pid = 0;
  std::uint64_t time_ns = 0;  // CLOCK_MONOTONIC
  std::uint64_t start = 0;
  std::uint64_t len = 0;
  std::uint64_t offset = 0;
  std::uint32_t major = 0;  // the file's device and inode
  std::uint32_t minor = 0;
  std::uint64_t inode = 0;
  std::uint32_t prot = 0;  // PROT_READ | PROT_WRITE | PROT_EXEC
  bool shared = false;     // MAP_SHARED
  std::string path;        // as the target names it; "[heap]", "[vdso]" as given
};

// Receives samples from a SampleSource.
class SampleSink {
 public:
  virtual ~SampleSink() = default;
  virtual void on_sample(const RawSample& sample) = 0;
  // The kernel dropped `count` samples of thread `tid` (ring buffer full).
  virtual void on_lost(pid_t tid, std::uint64_t count) = 0;
  // Process `pid` called exec at `time_ns`, now running the program called `name`:
  // samples after it are of another program (its maps were replaced). In time order with
  // the samples.
  virtual void on_exec(pid_t pid, std::uint64_t time_ns, const std::string& name) {
    (void)pid, (void)time_ns, (void)name;
  }
  // A mapping made in a sampled process (sources that report them: perf_event). In time
  // order with the samples, within a few milliseconds.
  virtual void on_mmap(const MmapEvent& mapping) { (void)mapping; }
};

}  // namespace cspy::sampling
