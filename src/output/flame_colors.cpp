// Flamegraph colours from a stable hash of the function name.
#include "flame_colors.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

#include <fmt/core.h>

namespace cspy::output {

namespace {

// FNV-1a: stable across runs, platforms and standard libraries (unlike std::hash).
std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

struct Hsl {
  double h, s, l;  // degrees, 0..1, 0..1
};

std::string to_hex(Hsl c) {
  double chroma = (1 - std::fabs(2 * c.l - 1)) * c.s;
  double hp = std::fmod(c.h, 360.0) / 60.0;
  double x = chroma * (1 - std::fabs(std::fmod(hp, 2.0) - 1));
  std::array<double, 3> rgb{};
  switch (static_cast<int>(hp)) {
    case 0:
      rgb = {chroma, x, 0};
      break;
    case 1:
      rgb = {x, chroma, 0};
      break;
    case 2:
      rgb = {0, chroma, x};
      break;
    case 3:
      rgb = {0, x, chroma};
      break;
    case 4:
      rgb = {x, 0, chroma};
      break;
    default:
      rgb = {chroma, 0, x};
      break;
  }
  double m = c.l - chroma / 2;
  auto byte = [m](double v) {
    return static_cast<unsigned>(std::clamp(std::lround((v + m) * 255), 0L, 255L));
  };
  return fmt::format("#{:02x}{:02x}{:02x}", byte(rgb[0]), byte(rgb[1]), byte(rgb[2]));
}

// The module's basename up to ".so" and any "-version" suffix: "libc-2.31.so" -> "libc".
std::string_view module_stem(std::string_view module) {
  auto slash = module.rfind('/');
  if (slash != std::string_view::npos) module.remove_prefix(slash + 1);
  auto so = module.find(".so");
  if (so != std::string_view::npos) module = module.substr(0, so);
  auto dash = module.find('-');
  if (dash != std::string_view::npos && module.substr(0, 3) != "ld-")
    module = module.substr(0, dash);
  return module;
}

}  // namespace

bool is_system_module(std::string_view module) {
  static constexpr std::array<std::string_view, 12> kStems = {
      "libc",     "libm",   "libpthread", "libdl",     "librt",     "libstdc++",
      "libgcc_s", "libc++", "libc++abi",  "libresolv", "libatomic", "[vdso]"};
  std::string_view stem = module_stem(module);
  if (stem.substr(0, 3) == "ld-") return true;  // ld-linux-x86-64.so.2, ld-2.31.so
  return std::find(kStems.begin(), kStems.end(), stem) != kStems.end();
}

ColorFamily color_family(const aggregate::Frame& frame) {
  switch (frame.kind) {
    case aggregate::FrameKind::kKernel:
      return ColorFamily::kKernel;
    case aggregate::FrameKind::kSpecial:
      return ColorFamily::kSpecial;
    case aggregate::FrameKind::kThread:
      return ColorFamily::kThread;
    case aggregate::FrameKind::kPython:
      return ColorFamily::kPython;
    case aggregate::FrameKind::kJit:
      return ColorFamily::kJit;
    case aggregate::FrameKind::kSyscall:
      return ColorFamily::kSyscall;
    case aggregate::FrameKind::kNative:
      break;
  }
  return is_system_module(frame.module) ? ColorFamily::kSystem : ColorFamily::kProgram;
}

std::string family_color(ColorFamily family, std::string_view name, bool inlined) {
  std::uint64_t h = fnv1a(name);
  // Three independent fractions in [0, 1] from different bits of the hash.
  double u1 = static_cast<double>(h & 0xFFFF) / 65535.0;
  double u2 = static_cast<double>((h >> 21) & 0xFFFF) / 65535.0;
  double u3 = static_cast<double>((h >> 42) & 0xFFFF) / 65535.0;
  Hsl c{};
  switch (family) {
    case ColorFamily::kProgram:
      c = {2 + 50 * u1, 0.78 + 0.17 * u2, 0.56 + 0.08 * u3};
      break;
    case ColorFamily::kSystem:
      c = {168 + 32 * u1, 0.45 + 0.2 * u2, 0.56 + 0.1 * u3};
      break;
    case ColorFamily::kPython:
      c = {88 + 40 * u1, 0.5 + 0.2 * u2, 0.52 + 0.1 * u3};
      break;
    case ColorFamily::kKernel:
      c = {24 + 10 * u1, 0.95, 0.47 + 0.06 * u3};
      break;
    case ColorFamily::kSpecial:
      c = {0, 0, 0.62 + 0.1 * u3};
      break;
    case ColorFamily::kThread:
      c = {262 + 22 * u1, 0.5 + 0.15 * u2, 0.7 + 0.06 * u3};
      break;
    case ColorFamily::kJit:
      c = {296 + 30 * u1, 0.5 + 0.2 * u2, 0.62 + 0.08 * u3};
      break;
    case ColorFamily::kSyscall:  // off CPU: blue, as in Gregg's off-CPU flame graphs
      c = {205 + 25 * u1, 0.6 + 0.2 * u2, 0.6 + 0.08 * u3};
      break;
    case ColorFamily::kAll:
      c = {220, 0.15, 0.75};
      break;
  }
  if (inlined) {
    c.l += (1 - c.l) * 0.4;
    c.s *= 0.8;
  }
  return to_hex(c);
}

std::string frame_color(const aggregate::Frame& frame) {
  return family_color(color_family(frame), frame.function, frame.inlined);
}

}  // namespace cspy::output
