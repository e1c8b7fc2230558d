// PerfMap: the names a JIT gives its code in /tmp/perf-PID.map — one "START SIZE name"
// line per function, in hex (V8's --perf-basic-prof, the JVM's perf-map-agent, .NET,
// LuaJIT) — read as the file grows. Code recompiled at the same addresses is named by the
// latest line. The text read is kept, so that a recording can replay the same names.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace cspy::modules {

class PerfMap {
 public:
  // A file that may not exist yet (the JIT writes it when it compiles); "" for none.
  explicit PerfMap(std::string path) : path_(std::move(path)) {}
  // Names from a recording's text, with no file behind them.
  static PerfMap from_text(std::string_view text);

  // The name of the function at `pc`; null when none. A miss reads what was appended to
  // the file since the last read, at most every 20 ms.
  const std::string* name_at(std::uint64_t pc);
  // Every complete line read so far, after reading what was appended since the last read.
  const std::string& text() {
    if (!path_.empty()) read_more();
    return text_;
  }
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::uint64_t end;
    std::string name;
  };
  const std::string* find(std::uint64_t pc) const;
  void read_more();
  void add_text(std::string_view text);  // complete lines
  void add_line(std::string_view line);

  std::string path_;
  std::uint64_t offset_ = 0;  // of the file, read up to
  std::string partial_;       // an unterminated last line, completed by the next read
  std::string text_;
  std::map<std::uint64_t, Entry> entries_;  // by start address, none overlapping
  std::uint64_t last_read_ns_ = 0;
  bool ever_read_ = false;
};

}  // namespace cspy::modules
