// What the toolchain tests share: a test program built by another toolchain (rustc, go) in the
// test's directory, its reference names from that toolchain's own tools, and a recording of
// it by PID counted against an expected stack.
//   Recording rec = record_by_pid(pid);  // rec.stacks, rec.err
//   ChainCount c = count_chain(rec.stacks, std::regex(...));
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <regex>
#include <string>
#include <vector>

namespace cspy::test {

// The output of a command split into lines (without '\n').
std::vector<std::string> lines_of(const std::string& text);

// `cspy record --pid PID` for 2 s at 500 Hz into folded stacks.
struct Recording {
  int exit_code = -1;
  std::map<std::string, std::uint64_t> stacks;
  std::string err;  // cspy's stderr: its closing line with the unwind failures
};
Recording record_by_pid(pid_t pid);

// How many samples match `expected` (a whole folded stack), how many begin with an
// [unknown] root, and a few of the others for the failure message.
struct ChainCount {
  std::uint64_t all = 0;
  std::uint64_t matching = 0;
  std::uint64_t unknown_roots = 0;
  std::string others;
};
ChainCount count_chain(const std::map<std::string, std::uint64_t>& stacks,
                       const std::regex& expected);

}  // namespace cspy::test
