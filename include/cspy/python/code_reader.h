// CodeReader: names a captured Python frame — the function (qualified name where the
// version has one), its file and the line of its instruction — by reading its code object
// and strings from the target's memory. Answers are cached by code object address and
// checked against the object at every use (a freed code object's address can be reused).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "cspy/process/process.h"
#include "cspy/python/capture.h"
#include "cspy/python/runtime.h"

namespace cspy::python {

struct PyFrameName {
  std::string function;  // "Foo.bar" (3.11+ qualified name) or "bar"
  std::string file;      // co_filename as the program gave it
  int line = 0;          // 0 when not known
};

class CodeReader {
 public:
  CodeReader(const process::Process& process, const Runtime& runtime)
      : process_(process), runtime_(runtime), layout_(*runtime.layout) {}

  // False when the frame's code object cannot be read (or is not a code object).
  bool name(const CapturedFrame& frame, PyFrameName& out);
  // A str object's text (UTF-8), at most `limit` bytes; empty when unreadable.
  std::string read_string(std::uint64_t object, std::size_t limit = 1024) const;

 private:
  struct Code {
    std::array<std::uint64_t, 5> key{};  // type, names, file and line table: checks reuse
    std::string function;
    std::string file;
    int firstlineno = 0;
    std::vector<std::uint8_t> linetable;
  };
  const Code* code(std::uint64_t addr);
  std::vector<std::uint8_t> read_bytes_object(std::uint64_t object, std::size_t limit) const;

  const process::Process& process_;
  Runtime runtime_;
  const Layout& layout_;
  std::unordered_map<std::uint64_t, Code> codes_;
};

}  // namespace cspy::python
