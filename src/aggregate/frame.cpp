// FrameTable: interning of frames.
#include "cspy/aggregate/frame.h"

#include <fmt/core.h>

#include "cspy/core/check.h"
#include "cspy/core/path.h"

namespace cspy::aggregate {

const char* kind_name(FrameKind kind) {
  switch (kind) {
    case FrameKind::kNative:
      return "native";
    case FrameKind::kKernel:
      return "kernel";
    case FrameKind::kSpecial:
      return "special";
    case FrameKind::kThread:
      return "thread";
    case FrameKind::kPython:
      return "python";
    case FrameKind::kJit:
      return "jit";
    case FrameKind::kSyscall:
      return "syscall";
  }
  return "native";
}

std::string Frame::label_with_line() const {
  if (file.empty() || line <= 0) return function;
  return fmt::format("{} ({}:{})", function, basename_of(file), line);
}

std::size_t FrameHash::operator()(const Frame& f) const noexcept {
  std::size_t h = std::hash<std::string>()(f.function);
  h = h * 31 + std::hash<std::string>()(f.module);
  h = h * 31 + std::hash<std::string>()(f.file);
  h = h * 31 + static_cast<std::size_t>(f.line);
  h = h * 31 + static_cast<std::size_t>(f.inlined);
  h = h * 31 + static_cast<std::size_t>(f.kind);
  return h;
}

FrameId FrameTable::intern(const Frame& frame) {
  auto it = index_.find(frame);
  if (it != index_.end()) return it->second;
  CSPY_CHECK(frames_.size() < UINT32_MAX);
  FrameId id(static_cast<std::uint32_t>(frames_.size()));
  frames_.push_back(frame);
  index_.emplace(frame, id);
  return id;
}

FrameId FrameTable::unknown() {
  return intern(Frame{.function = "[unknown]", .kind = FrameKind::kSpecial});
}
FrameId FrameTable::truncated() {
  return intern(Frame{.function = "[truncated]", .kind = FrameKind::kSpecial});
}
FrameId FrameTable::lost() {
  return intern(Frame{.function = "[lost]", .kind = FrameKind::kSpecial});
}

}  // namespace cspy::aggregate
