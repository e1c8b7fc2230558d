// Frame: one symbolized stack frame as the aggregate stores it, and FrameTable, which
// interns frames so each distinct frame is stored once and named by a FrameId.
// Special frames ([unknown], [truncated], [lost], thread roots) are ordinary frames of
// their own kind, so a failure is counted, never dropped.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "cspy/core/typed_id.h"

namespace cspy::aggregate {

enum class FrameKind : std::uint8_t {
  kNative,   // a function of the target (symbolized or module+offset)
  kKernel,   // a kernel function
  kSpecial,  // [unknown], [truncated], [lost] ...
  kThread,   // a thread root frame, e.g. "thread 1234 (worker)"
  kPython,   // a Python function (module = the .py file's basename)
  kJit,      // code in no file: named by a JIT's perf map, else [anon], [heap], [stack]
  kSyscall,  // off CPU: the system call a thread waited in ("futex"), the leaf of its stack
};

// "native", "kernel", "special", "thread", "python", "jit", "syscall".
const char* kind_name(FrameKind kind);

struct Frame {
  std::string function;  // demangled name, or "module+0x1234", or "[unknown]"
  std::string module;    // basename of the ELF file ("libc.so.6"), empty if none
  std::string file;      // source file, empty if unknown
  int line = 0;          // 0 if unknown or if grouping by function
  bool inlined = false;  // an inlined call inside its caller's frame
  FrameKind kind = FrameKind::kNative;

  bool operator==(const Frame&) const = default;
  // "function" or "function (file:line)" when a line is known.
  std::string label_with_line() const;
};

struct FrameTag;
using FrameId = TypedId<FrameTag>;

struct FrameHash {
  std::size_t operator()(const Frame& f) const noexcept;
};

class FrameTable {
 public:
  FrameId intern(const Frame& frame);
  const Frame& get(FrameId id) const { return frames_[id.index()]; }
  std::size_t size() const { return frames_.size(); }

  // Well-known special frames.
  FrameId unknown();    // an address nothing could name
  FrameId truncated();  // the unwinder stopped at the depth limit
  FrameId lost();       // samples the kernel dropped (counted from PERF_RECORD_LOST)

 private:
  std::vector<Frame> frames_;
  std::unordered_map<Frame, FrameId, FrameHash> index_;
};

}  // namespace cspy::aggregate
