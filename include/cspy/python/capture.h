// Capture: reading a thread's chain of Python frames at the moment its sample is taken,
// on the sampler's own thread (perf_event: as the sample arrives; ptrace: while the
// thread is stopped). Only addresses are read here — each frame's code object and
// instruction — so the read is short; names and lines are resolved later (CodeReader).
// The result travels with the sample as words (encode/decode), so raw files keep it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

#include "cspy/process/process.h"
#include "cspy/python/runtime.h"

namespace cspy::python {

enum class CaptureStatus : std::uint8_t {
  kOk,          // the chain as it was at the read, checked unchanged across it
  kChanged,     // the thread kept changing its frames during every attempt to read them
  kUnreadable,  // its memory could not be read (a frame freed under the read)
  kTooDeep,     // more frames than kMaxFrames: the outermost are left out
};

struct CapturedFrame {
  std::uint64_t code = 0;   // PyCodeObject*
  std::uint64_t instr = 0;  // 3.8-3.10: bytecode offset in bytes; 3.11+: _Py_CODEUNIT*
  bool entry = false;       // the outermost Python frame of one C-level eval call
  std::uint64_t frame = 0;  // the frame itself (its locals), 8-aligned
  // The record of its code object as read at the sample (CodeReader::remember); 0: none.
  std::uint32_t code_id = 0;
};

struct CapturedStack {
  CaptureStatus status = CaptureStatus::kOk;
  bool holds_gil = false;
  std::vector<CapturedFrame> frames;  // innermost first
};

inline constexpr std::size_t kMaxFrames = 512;

// Words of a captured stack (empty when the thread runs no Python), and back.
void encode(const CapturedStack& stack, std::vector<std::uint64_t>& words);
bool decode(std::span<const std::uint64_t> words, CapturedStack& stack);

class FrameCapture {
 public:
  FrameCapture(const process::Process& process, Runtime runtime)
      : process_(process), runtime_(std::move(runtime)), layout_(*runtime_.layout) {}

  // Reads thread `tid`'s Python frames; false when the thread has no Python thread state.
  bool capture(pid_t tid, CapturedStack& out);
  const Runtime& runtime() const { return runtime_; }

 private:
  struct ThreadState {
    std::uint64_t tstate = 0;
    std::uint64_t interp = 0;
    // The id it was matched to its thread by, checked at every read: 3.8-3.10 its
    // pthread_t (thread_id), 3.11+ its native_thread_id.
    int owner_offset = 0;
    std::uint64_t owner = 0;
  };
  // Walks every interpreter's thread states and maps them to OS thread ids.
  void rescan();
  pid_t os_thread_of(std::uint64_t pthread, const std::vector<pid_t>& tids);
  // The current frame pointer of a thread state; 0 when none or unreadable.
  std::uint64_t current_frame(std::uint64_t tstate) const;
  bool walk(std::uint64_t frame, CapturedStack& out) const;
  bool holds_gil(const ThreadState& ts) const;

  const process::Process& process_;
  Runtime runtime_;
  const Layout& layout_;
  std::unordered_map<pid_t, ThreadState> threads_;
  std::uint64_t last_rescan_ns_ = 0;
  int pthread_tid_offset_ = -1;  // where glibc's struct pthread keeps the tid (3.8-3.10)
};

}  // namespace cspy::python
