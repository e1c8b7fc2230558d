// CodeReader: names a captured Python frame — the function (qualified name where the
// version has one), its file and the line of its instruction — by reading its code object
// and strings from the target's memory. Answers are cached by code object address and
// checked against the object at every use (a freed code object's address can be reused).
#pragma once

#include <array>
#include <cstdint>
#include <span>
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

// What names a captured frame: the live process (CodeReader) or a recording's table of
// the code objects seen while recording (RecordedCodes).
class CodeNames {
 public:
  virtual ~CodeNames() = default;
  // False when the frame's code object cannot be named.
  virtual bool name(const CapturedFrame& frame, PyFrameName& out) = 0;
};

// A code object as a recording keeps it: enough to name its frames and find their lines.
struct CodeRecord {
  std::uint64_t addr = 0;
  int version = 0;                  // layout version (311)
  std::uint64_t code_adaptive = 0;  // offset of the bytecode in the object (3.11+), or 0
  int firstlineno = 0;
  std::string function;
  std::string file;
  std::vector<std::uint8_t> linetable;
};
std::vector<std::uint8_t> encode_codes(const std::vector<CodeRecord>& codes);
bool decode_codes(std::span<const std::uint8_t> bytes, std::vector<CodeRecord>& codes);

// The line of a frame of a code object, from its record.
PyFrameName name_from(const CodeRecord& code, const CapturedFrame& frame);

class RecordedCodes final : public CodeNames {
 public:
  void add(CodeRecord code) { codes_[code.addr] = std::move(code); }
  bool name(const CapturedFrame& frame, PyFrameName& out) override;

 private:
  std::unordered_map<std::uint64_t, CodeRecord> codes_;
};

class CodeReader final : public CodeNames {
 public:
  CodeReader(const process::Process& process, const Runtime& runtime)
      : process_(process), runtime_(runtime), layout_(*runtime.layout) {}

  bool name(const CapturedFrame& frame, PyFrameName& out) override;
  // Every code object named so far, for a recording.
  std::vector<CodeRecord> records() const;

 private:
  struct Code {
    std::array<std::uint64_t, 5> key{};  // type, names, file and line table: checks reuse
    CodeRecord record;
  };
  const Code* code(std::uint64_t addr);

  const process::Process& process_;
  Runtime runtime_;
  const Layout& layout_;
  std::unordered_map<std::uint64_t, Code> codes_;
};

}  // namespace cspy::python
