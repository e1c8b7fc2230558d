// Files for tests: where the built cspy and test targets are, temporary directories, whole
// files read and written, `// LINE:` markers in the targets' sources, and cspy's folded
// output parsed. Part of cspy_test_support, with child_process.h.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <string>
#include <tuple>

namespace cspy::test {

// The cspy executable of this build tree.
std::string cspy_binary();
// A program (or file) built from test_targets/, e.g. "chain", "julia-stripped".
std::string target_binary(const std::string& name);
// The name of a (target variant, sampler) test parameter: ("chain-fp", "ptrace") ->
// "chain_fp_ptrace", as GoogleTest wants (letters, digits and underscores).
std::string variant_sampler_name(
    const ::testing::TestParamInfo<std::tuple<std::string, std::string>>& info);
// A source file of test_targets/, e.g. "chain.cpp".
std::string target_source(const std::string& file);

// A fresh directory with a unique name under /tmp (short enough for a socket path in it).
std::string make_temp_dir();
// An empty directory <build>/tests/tmp/<name> for one test's files (emptied if it existed);
// kept after the test so that a failure can be looked at. `name` must be unique to the test.
std::string make_test_dir(const std::string& name);

// The whole file, "" if it cannot be read.
std::string read_file(const std::string& path);
// Compares `actual` with tests/data/<relative_path>: "" when equal, else a message naming
// where the actual output was saved. CSPY_UPDATE_GOLDEN=1 rewrites the golden file instead.
std::string check_golden_file(const std::string& relative_path, const std::string& actual);
// Replaces the file's contents; false if it cannot be written.
bool write_file(const std::string& path, const std::string& text);

// The number of the line of test_targets/<file> that ends in `// LINE: <marker>`; a test
// failure and 0 if there is none.
int marker_line(const std::string& file, const std::string& marker);
// `text` with the characters special to std::regex escaped, to match it literally.
std::string regex_escape(const std::string& text);
// The sum of the samples/count column of `go tool pprof -raw`'s output.
std::uint64_t pprof_raw_sample_total(const std::string& raw);

// Folded stacks, "a;b;c 12" lines -> {"a;b;c": 12} (repeated stacks add up).
std::map<std::string, std::uint64_t> parse_folded(const std::string& text);
// The samples of all stacks together.
std::uint64_t total_samples(const std::map<std::string, std::uint64_t>& stacks);
// The samples of the stacks that contain `needle`.
std::uint64_t count_matching(const std::map<std::string, std::uint64_t>& stacks,
                             const std::string& needle);

}  // namespace cspy::test
