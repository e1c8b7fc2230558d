// CodeReader: names a captured Python frame — the function (qualified name where the
// version has one), its file and the line of its instruction. Each frame's code object is
// read when the frame is captured (remember: one system call for the headers of a whole
// stack, and the strings of an object not seen before), and the frame is tagged with that
// object's record: its name is the one it had at the sample, even when the object was
// freed and its address reused (imports), or its process exited, before it is named.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "cspy/process/process.h"
#include "cspy/python/capture.h"
#include "cspy/python/layout.h"
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
  std::uint32_t id = 0;  // what captured frames are tagged with (CapturedFrame::code_id)
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
  void add(CodeRecord code);
  bool name(const CapturedFrame& frame, PyFrameName& out) override;

 private:
  std::unordered_map<std::uint32_t, CodeRecord> by_id_;
  std::unordered_map<std::uint64_t, CodeRecord> by_addr_;  // recordings from before ids
};

// Thread-safe: the sampler's thread remembers code objects while the pipeline names them.
class CodeReader final : public CodeNames {
 public:
  CodeReader(const process::Process& process, const Runtime& runtime)
      : process_(process), runtime_(runtime), layout_(*runtime.layout) {}

  // Tags each frame with the record of its code object as it is now (code_id; 0 when it
  // cannot be read), reading the objects not seen before.
  void remember(std::vector<CapturedFrame>& frames);
  // Names a frame from its tag (an untagged frame is not named).
  bool name(const CapturedFrame& frame, PyFrameName& out) override;
  // Every code object remembered (and not dropped since), for a recording.
  std::vector<CodeRecord> records() const;

 private:
  using Key = std::array<std::uint64_t, 5>;  // type, names, file and line table: reuse
  struct Code {
    Key key{};
    CodeRecord record;
  };
  // The record of the code object whose header was read into `header`, read in full
  // unless its address already holds the same object; nullptr when it is not one.
  const Code* code_from_header(std::uint64_t addr, std::span<const std::uint8_t> header);
  Key key_of(std::span<const std::uint8_t> header) const;

  const process::Process& process_;
  Runtime runtime_;
  const Layout& layout_;
  mutable std::mutex mutex_;
  std::unordered_map<std::uint32_t, Code> codes_;        // by id
  std::unordered_map<std::uint64_t, std::uint32_t> at_;  // address -> id of its latest object
  // remember()'s buffers
  std::vector<std::array<std::uint8_t, kMaxCodeBytes>> headers_;
  std::vector<process::Process::Piece> pieces_;
  std::vector<std::uint64_t> addrs_;
};

}  // namespace cspy::python
