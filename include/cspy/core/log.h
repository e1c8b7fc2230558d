// Minimal leveled logging to stderr for diagnostics (CSPY_LOG=debug enables debug lines).
// User-facing errors are not logged here: the CLI prints those.
#pragma once

#include <fmt/core.h>

namespace cspy::log {

bool debug_enabled();
void write(const char* level, const std::string& message);

template <typename... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
  if (debug_enabled()) write("debug", fmt::format(f, std::forward<Args>(args)...));
}

template <typename... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) {
  write("warning", fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace cspy::log
