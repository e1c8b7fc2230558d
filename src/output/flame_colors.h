// Flamegraph colours: a frame's fill derives from a hash of its function name, so the
// same function has the same colour in every run; the hue family says what kind of code
// it is (the program's own code warm, system libraries aqua, kernel orange, special
// frames grey, thread roots violet) and inlined frames are a paler variant.
#pragma once

#include <string>
#include <string_view>

#include "cspy/aggregate/frame.h"

namespace cspy::output {

enum class ColorFamily {
  kProgram,
  kSystem,
  kPython,
  kKernel,
  kSpecial,
  kThread,
  kJit,
  kSyscall,
  kAll
};

// True for the C runtime and toolchain libraries: libc, libm, libpthread, libdl, librt,
// libstdc++, libgcc_s, libc++, ld-linux*, [vdso] ... (by the module's basename).
bool is_system_module(std::string_view module);

ColorFamily color_family(const aggregate::Frame& frame);

// "#rrggbb", stable for a given (function name, family, inlined).
std::string frame_color(const aggregate::Frame& frame);
std::string family_color(ColorFamily family, std::string_view name, bool inlined);

// The fill of frames that match a search.
inline constexpr std::string_view kSearchColor = "#e600e6";

}  // namespace cspy::output
