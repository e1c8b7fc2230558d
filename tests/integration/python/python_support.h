// Shared by the Python integration tests: the interpreters installed here, starting the
// py_* targets and julia1.py, recording them with cspy and checking they are never traced.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "support/child_process.h"

namespace cspy::test {

struct Python {
  std::string name;  // "3_11_7", "debian_3_11"
  std::string path;
  int minor = 0;
};
void PrintTo(const Python& python, std::ostream* out);
std::string python_name(const ::testing::TestParamInfo<Python>& info);

// The interpreters this machine has: pyenv's 3.8-3.13 and Debian's python3.11.
std::vector<Python> interpreters();
// The line of test_targets/<file> that ends in "# LINE: <marker>".
int python_marker_line(const std::string& file, const std::string& marker);
// Starts a script under `python` (args: the script and its arguments) and waits for its
// "ready" line.
ChildProcess start_ready(const Python& python, const std::vector<std::string>& args);
// julia1.py, once it has built its lists and is in calculate_z_serial_purepython.
ChildProcess start_julia(const Python& python);
// Runs `cspy record` on `pid` with `options` and checks, while it runs, that the target
// is never traced (check_untraced: the perf_event sampler). Returns the folded stacks.
std::map<std::string, std::uint64_t> record(pid_t pid, const std::vector<std::string>& options,
                                            bool check_untraced, std::string& log);

}  // namespace cspy::test
