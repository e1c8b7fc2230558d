// What the tests of test_targets/ share besides cspy_test_support: the tools (readelf,
// objdump, gdb, python3) and the debug-file directory as CMake found them, and reading
// `key value` pairs out of a program's output.
#pragma once

#include <optional>
#include <regex>
#include <string>

#include "support/child_process.h"
#include "support/test_files.h"

namespace cspy::test {

inline constexpr const char* kDebugFileDir = CSPY_DEBUG_FILE_DIR;
inline constexpr const char* kReadelf = CSPY_READELF;
inline constexpr const char* kObjdump = CSPY_OBJDUMP;
inline constexpr const char* kGdb = CSPY_GDB;         // "" if not found
inline constexpr const char* kPython = CSPY_PYTHON3;  // "" if not found

// The integer after `key ` in `text` (e.g. "sum 33219980"), if present.
inline std::optional<long long> number_after(const std::string& text, const std::string& key) {
  std::smatch match;
  if (!std::regex_search(text, match, std::regex("(^|\\s)" + key + " (-?[0-9]+)"))) {
    return std::nullopt;
  }
  return std::stoll(match[2].str());
}

}  // namespace cspy::test
