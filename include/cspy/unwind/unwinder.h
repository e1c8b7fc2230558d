// Unwinder: turns a RawSample (registers + stack copy) into return addresses, innermost
// first, with DWARF CFI — no frame pointers needed. The libdw backend is the default
// (measured faster, see DESIGN.md); the stack copy is read first, the live target next.
// A failure is data: the stack says how it ended (complete, truncated, failed).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "cspy/core/remote_addr.h"
#include "cspy/core/result.h"
#include "cspy/modules/module_map.h"
#include "cspy/process/process.h"
#include "cspy/sampling/raw_sample.h"

namespace cspy::unwind {

struct UnwoundFrame {
  RemoteAddr pc;
  // True for the sampled instruction itself (or a signal frame's): pc is exact.
  // False for return addresses, whose call instruction is at pc - 1.
  bool exact = false;
  // The address to symbolize: pc for exact frames, pc - 1 for return addresses.
  RemoteAddr lookup_pc() const { return exact ? pc : pc + (-1); }
};

enum class StackEnd : std::uint8_t {
  kComplete,   // reached the outermost frame
  kTruncated,  // stopped at the depth limit
  kFailed,     // the unwinder could not go further (missing CFI, unreadable memory)
};

struct UnwoundStack {
  std::vector<UnwoundFrame> frames;  // innermost first
  StackEnd end = StackEnd::kComplete;
};

class Unwinder {
 public:
  virtual ~Unwinder() = default;
  virtual void unwind(const sampling::RawSample& sample, UnwoundStack& out) = 0;
};

struct UnwindOptions {
  std::size_t max_depth = 512;
};

// `live` may be null (replay): then only the stack copy is readable.
Result<std::unique_ptr<Unwinder>> make_libdw_unwinder(modules::ModuleMap& modules,
                                                      const process::Process* live, pid_t pid,
                                                      const UnwindOptions& options);
// The same contract through libunwind's remote unwinding (`--unwinder libunwind`).
Result<std::unique_ptr<Unwinder>> make_libunwind_unwinder(modules::ModuleMap& modules,
                                                          const process::Process* live, pid_t pid,
                                                          const UnwindOptions& options);

}  // namespace cspy::unwind
