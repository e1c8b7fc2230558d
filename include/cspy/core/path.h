// Path helpers on plain strings (no filesystem access): the last component of a path,
// as every component shows a file, a module or an interpreter's name.
#pragma once

#include <string_view>

namespace cspy {

// "/usr/lib/libc.so.6" -> "libc.so.6"; a path without '/' is its own basename.
constexpr std::string_view basename_of(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace cspy
