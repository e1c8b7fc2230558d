// Reading Python frame chains from a live interpreter, checked for consistency.
#include "cspy/python/capture.h"

#include <algorithm>
#include <array>
#include <unordered_map>

#include "cspy/core/clock.h"
#include "remote.h"

namespace cspy::python {

namespace {

constexpr std::uint64_t kRescanNs = 100'000'000ULL;  // at most 10 rescans a second
constexpr int kAttempts = 3;
constexpr std::uint8_t kOwnedByCStack = 3;  // 3.12+: the shim frame of an eval call
constexpr std::size_t kThreadStateBytes = 256;
constexpr std::size_t kPthreadScanBytes = 2048;
constexpr std::uint64_t kWordsMagic = 0x7079000000000000ULL;  // "py" in the top bytes
constexpr std::uint64_t kWithIds = 1ULL << 16;                // each frame carries its code_id

}  // namespace

void encode(const CapturedStack& stack, std::vector<std::uint64_t>& words) {
  words.push_back(kWordsMagic | kWithIds | (static_cast<std::uint64_t>(stack.status) << 8) |
                  (stack.holds_gil ? 1U : 0U));
  words.push_back(stack.frames.size());
  for (const CapturedFrame& f : stack.frames) {
    words.push_back(f.code);
    words.push_back(f.instr);
    words.push_back(f.frame | (f.entry ? 1U : 0U));  // frames are 8-aligned
    words.push_back(f.code_id);
  }
}

bool decode(std::span<const std::uint64_t> words, CapturedStack& stack) {
  stack.frames.clear();
  if (words.size() < 2 || (words[0] & 0xffff000000000000ULL) != kWordsMagic) return false;
  const std::uint64_t status = (words[0] >> 8) & 0xff;
  if (status > static_cast<std::uint64_t>(CaptureStatus::kTooDeep)) return false;
  stack.status = static_cast<CaptureStatus>(status);
  stack.holds_gil = (words[0] & 1U) != 0;
  const std::uint64_t n = words[1];
  // Four words a frame; three in recordings from before code ids.
  const std::uint64_t per = (words[0] & kWithIds) != 0 ? 4 : 3;
  if (n > kMaxFrames || words.size() != 2 + per * n) return false;
  for (std::uint64_t i = 0; i < n; ++i) {
    const std::uint64_t* w = &words[2 + per * i];
    stack.frames.push_back(
        CapturedFrame{.code = w[0],
                      .instr = w[1],
                      .entry = (w[2] & 1U) != 0,
                      .frame = w[2] & ~std::uint64_t{1},
                      .code_id = per == 4 ? static_cast<std::uint32_t>(w[3]) : 0});
  }
  return true;
}

pid_t FrameCapture::os_thread_of(std::uint64_t pthread, const std::vector<pid_t>& tids) {
  std::array<std::uint8_t, kPthreadScanBytes> block{};
  if (!read_bytes(process_, pthread, block.data(), block.size())) return 0;
  auto tid_at = [&](int offset) { return field<std::int32_t>(block, offset); };
  auto is_tid = [&](std::int32_t v) { return std::binary_search(tids.begin(), tids.end(), v); };
  if (pthread_tid_offset_ < 0) {
    // glibc's struct pthread keeps the kernel tid at a fixed offset of its own version:
    // learnt from the first thread state whose struct holds one of the process's tids.
    for (int off = 0; off + 4 <= static_cast<int>(block.size()); off += 4) {
      if (is_tid(tid_at(off))) {
        pthread_tid_offset_ = off;
        break;
      }
    }
    if (pthread_tid_offset_ < 0) return 0;
  }
  const std::int32_t tid = tid_at(pthread_tid_offset_);
  return is_tid(tid) ? tid : 0;
}

void FrameCapture::rescan() {
  last_rescan_ns_ = monotonic_ns();
  threads_.clear();
  // The interpreter knows its threads by the IDs of its own PID namespace (a container's):
  // `tids` holds those, `host_tid` turns them back into the IDs samples carry.
  std::vector<pid_t> tids = process_.threads();
  std::unordered_map<pid_t, pid_t> host_tid;
  if (process_.in_child_pid_namespace()) {
    for (pid_t& tid : tids) {
      const pid_t inside = process_.namespace_tid(tid);
      host_tid[inside] = tid;
      tid = inside;
    }
    std::sort(tids.begin(), tids.end());
  }
  std::uint64_t interp = 0;
  if (!read_value(process_, runtime_.py_runtime.value() + layout_.runtime_interpreters_head,
                  interp))
    return;
  for (int i = 0; interp != 0 && i < 64; ++i) {
    std::uint64_t tstate = 0;
    (void)read_value(process_, interp + layout_.interp_threads_head, tstate);
    for (int j = 0; tstate != 0 && j < 4096; ++j) {
      std::array<std::uint8_t, kThreadStateBytes> ts{};
      if (!read_bytes(process_, tstate, ts.data(), ts.size())) break;
      ThreadState state{.tstate = tstate, .interp = interp};
      const bool native = layout_.tstate_native_thread_id != kNone;
      state.owner_offset = native ? layout_.tstate_native_thread_id : layout_.tstate_thread_id;
      state.owner = field<std::uint64_t>(ts, state.owner_offset);
      const pid_t tid = native ? static_cast<pid_t>(state.owner) : os_thread_of(state.owner, tids);
      if (tid > 0) {
        auto host = host_tid.find(tid);
        threads_[host == host_tid.end() ? tid : host->second] = state;
      }
      tstate = field<std::uint64_t>(ts, layout_.tstate_next);
    }
    if (!read_value(process_, interp + layout_.interp_next, interp)) break;
  }
}

std::uint64_t FrameCapture::current_frame(std::uint64_t tstate) const {
  std::uint64_t frame = 0;
  if (layout_.tstate_frame != kNone) {
    (void)read_value(process_, tstate + layout_.tstate_frame, frame);
  } else if (layout_.tstate_current_frame != kNone) {
    (void)read_value(process_, tstate + layout_.tstate_current_frame, frame);
  } else {
    std::uint64_t cframe = 0;
    if (read_value(process_, tstate + layout_.tstate_cframe, cframe))
      (void)read_value(process_, cframe + layout_.cframe_current_frame, frame);
  }
  return frame;
}

bool FrameCapture::walk(std::uint64_t frame, CapturedStack& out) const {
  out.frames.clear();
  std::array<std::uint8_t, kMaxFrameBytes> block{};
  const auto size = static_cast<std::size_t>(layout_.frame_size);
  const std::span<const std::uint8_t> f(block.data(), size);
  const bool old_frames = layout_.frame_lasti != kNone;
  while (frame != 0) {
    if (out.frames.size() == kMaxFrames) {
      out.status = CaptureStatus::kTooDeep;
      return true;
    }
    if (!read_bytes(process_, frame, block.data(), size)) return false;
    const auto code = field<std::uint64_t>(f, layout_.frame_code);
    if (old_frames) {
      const auto lasti = field<std::int32_t>(f, layout_.frame_lasti);
      const std::uint64_t offset = lasti < 0 ? 0 : static_cast<std::uint64_t>(lasti);
      out.frames.push_back(CapturedFrame{.code = code,
                                         .instr = layout_.version >= 310 ? offset * 2 : offset,
                                         .entry = true,
                                         .frame = frame});
    } else if (layout_.frame_is_entry != kNone) {
      out.frames.push_back(
          CapturedFrame{.code = code,
                        .instr = field<std::uint64_t>(f, layout_.frame_instr),
                        .entry = field<std::uint8_t>(f, layout_.frame_is_entry) != 0,
                        .frame = frame});
    } else if (field<std::uint8_t>(f, layout_.frame_owner) == kOwnedByCStack) {
      // 3.12+: the shim below the outermost frame of an eval call.
      if (!out.frames.empty()) out.frames.back().entry = true;
    } else {
      out.frames.push_back(CapturedFrame{.code = code,
                                         .instr = field<std::uint64_t>(f, layout_.frame_instr),
                                         .entry = false,
                                         .frame = frame});
    }
    frame = field<std::uint64_t>(f, layout_.frame_back);
  }
  // The outermost frame of a thread is an entry frame in every version.
  if (!out.frames.empty()) out.frames.back().entry = true;
  return true;
}

bool FrameCapture::holds_gil(const ThreadState& ts) const {
  std::uint64_t gil = 0;
  int locked_at = 0;
  int holder_at = 0;
  if (layout_.runtime_gil_locked != kNone) {
    gil = runtime_.py_runtime.value();
    locked_at = layout_.runtime_gil_locked;
    holder_at = layout_.runtime_gil_last_holder;
  } else {
    if (!read_value(process_, ts.interp + layout_.interp_gil, gil)) return false;
    locked_at = layout_.gil_locked;
    holder_at = layout_.gil_last_holder;
  }
  std::int32_t locked = 0;
  std::uint64_t holder = 0;
  return read_value(process_, gil + locked_at, locked) && locked != 0 &&
         read_value(process_, gil + holder_at, holder) && holder == ts.tstate;
}

bool FrameCapture::capture(pid_t tid, CapturedStack& out) {
  out = CapturedStack{};
  auto it = threads_.find(tid);
  if (it == threads_.end()) {
    if (monotonic_ns() - last_rescan_ns_ < kRescanNs) return false;
    rescan();
    it = threads_.find(tid);
    if (it == threads_.end()) return false;
  }
  const ThreadState ts = it->second;
  // The thread state still belongs to this thread: the id it was matched by is unchanged
  // (3.8-3.10: its pthread_t; 3.11+: its native thread id).
  std::uint64_t owner = 0;
  if (!read_value(process_, ts.tstate + ts.owner_offset, owner) || owner != ts.owner) {
    threads_.erase(it);
    return false;
  }
  out.status = CaptureStatus::kChanged;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    const std::uint64_t first = current_frame(ts.tstate);
    CapturedStack read;
    if (!walk(first, read)) {
      out.status = CaptureStatus::kUnreadable;
      continue;
    }
    if (current_frame(ts.tstate) == first) {
      read.holds_gil = holds_gil(ts);
      out = std::move(read);
      return true;
    }
    out.status = CaptureStatus::kChanged;
  }
  out.frames.clear();
  return true;
}

}  // namespace cspy::python
