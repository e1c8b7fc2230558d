// Choosing an output format from --format or the file's extension, and writing a Profile
// to a file atomically or to stdout ("-"). Shared by `record`, `report` and `diff`.
#pragma once

#include <functional>
#include <optional>
#include <ostream>
#include <string>

#include "cspy/aggregate/profile.h"
#include "cspy/core/result.h"
#include "cspy/output/writer.h"

namespace cspy::cli {

// --format wins; else the extension of `path`; else flamegraph.
Result<output::Format> choose_format(std::optional<output::Format> format_option,
                                     const std::string& path);

// Runs `write` into `path` (atomically) or stdout ("-"); failures are kBadInput (exit
// code 6).
Result<void> write_output(const std::string& path, const std::function<void(std::ostream&)>& write);

// write_output of one profile in `format`.
Result<void> write_profile_file(const std::string& path, output::Format format,
                                const aggregate::Profile& profile,
                                const output::WriteOptions& options);

}  // namespace cspy::cli
