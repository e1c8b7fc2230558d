// Paths and small parsers shared by the tests of test_targets/: where the built programs,
// their sources and the tools (readelf, objdump, gdb, python3) are, as CMake passed them,
// plus helpers to read `key value` pairs out of a program's output and `// LINE:` markers.
#pragma once

#include <unistd.h>

#include <fstream>
#include <optional>
#include <regex>
#include <string>

namespace cspy::test {

inline std::string target_path(const std::string& name) {
  return std::string(CSPY_TEST_TARGETS_DIR) + "/" + name;
}

inline std::string target_source_path(const std::string& file) {
  return std::string(CSPY_TEST_TARGETS_SOURCE_DIR) + "/" + file;
}

inline constexpr const char* kDebugFileDir = CSPY_DEBUG_FILE_DIR;
inline constexpr const char* kReadelf = CSPY_READELF;
inline constexpr const char* kObjdump = CSPY_OBJDUMP;
inline constexpr const char* kGdb = CSPY_GDB;         // "" if not found
inline constexpr const char* kPython = CSPY_PYTHON3;  // "" if not found

inline bool tool_available(const char* path) { return path[0] != '\0' && access(path, X_OK) == 0; }

// The integer after `key ` in `text` (e.g. "sum 33219980"), if present.
inline std::optional<long long> number_after(const std::string& text, const std::string& key) {
  std::smatch match;
  if (!std::regex_search(text, match, std::regex("(^|\\s)" + key + " (-?[0-9]+)"))) {
    return std::nullopt;
  }
  return std::stoll(match[2].str());
}

// The line number of the line of `file` (in test_targets/) ending in `// LINE: name`; 0 if none.
inline int marker_line(const std::string& file, const std::string& name) {
  std::ifstream in(target_source_path(file));
  std::string line;
  const std::string marker = "// LINE: " + name;
  for (int number = 1; std::getline(in, line); ++number) {
    const auto at = line.find(marker);
    if (at != std::string::npos && at + marker.size() == line.size()) return number;
  }
  return 0;
}

}  // namespace cspy::test
