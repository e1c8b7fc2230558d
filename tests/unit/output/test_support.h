// Helpers for the output writer tests: hand-built Profiles (a small fixed one for the
// golden files, a hostile one full of markup and bad bytes, a random one), golden files,
// and external checkers (xmllint, node) that CI must have. The helpers for files and
// commands are cspy_test_support's, named here by using-declarations.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cspy/aggregate/profile.h"
#include "support/child_process.h"
#include "support/test_files.h"

namespace cspy::output::testing {

using test::CommandResult;
using test::have_program;
using test::kCommandTimeout;
using test::make_test_dir;
using test::read_file;
using test::run_command;
using test::Stderr;
using test::write_file;

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

// Compares `actual` with tests/data/output/<name>; CSPY_UPDATE_GOLDEN=1 rewrites it.
// Returns an empty string on success, else a description of the difference.
std::string check_golden(const std::string& name, const std::string& actual);

}  // namespace cspy::output::testing
