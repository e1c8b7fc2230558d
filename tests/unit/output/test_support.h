// Helpers for the output writer tests: hand-built Profiles (a small fixed one for the
// golden files, a hostile one full of markup and bad bytes, a random one), temporary
// files, and running external checkers (xmllint, node) that CI must have.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cspy/aggregate/profile.h"

namespace cspy::output::testing {

// A small, fixed, two-thread profile with a timeline and deterministic RecordingInfo.
aggregate::Profile small_profile();
// Names, files, modules, thread names and the command full of XML/JS/CDATA specials,
// control characters, non-ASCII and invalid UTF-8.
aggregate::Profile hostile_profile();
// The hostile strings used above, for "does not appear unescaped" checks.
std::vector<std::string> hostile_strings();
// `stacks` random stacks (fixed seed) of depth 1..8 over a few names, weights 1..20.
aggregate::Profile random_profile(int stacks, std::uint32_t seed);

std::string render_folded(aggregate::Profile& p);
std::string render_svg(aggregate::Profile& p, bool reverse = false, bool thread_roots = false);
std::string render_speedscope(aggregate::Profile& p);

// A fresh directory under the build tree for one test's files.
std::string temp_dir(const std::string& name);
void write_text(const std::string& path, const std::string& text);
std::string read_text(const std::string& path);

struct CommandResult {
  int status = -1;  // exit status, or -1 if it did not exit normally
  std::string output;  // stdout and stderr
};
CommandResult run_command(const std::string& command);
bool have_program(const std::string& name);
// True when CI=true (or 1): missing tools are failures there, not skips.
bool in_ci();

// Compares `actual` with tests/data/output/<name>; CSPY_UPDATE_GOLDEN=1 rewrites it.
// Returns an empty string on success, else a description of the difference.
std::string check_golden(const std::string& name, const std::string& actual);

}  // namespace cspy::output::testing

// Skips the test, or fails it under CI, when an external tool is missing.
#define CSPY_REQUIRE_TOOL(condition, what)                                       \
  do {                                                                           \
    if (!(condition)) {                                                          \
      if (::cspy::output::testing::in_ci()) FAIL() << what << " (required in CI)"; \
      GTEST_SKIP() << what;                                                      \
    }                                                                            \
  } while (0)
