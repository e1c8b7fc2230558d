// Format choice and atomic writing of profiles.
#include "profile_output.h"

#include <iostream>

#include "cspy/output/output_file.h"

namespace cspy::cli {

Result<output::Format> choose_format(std::optional<output::Format> format_option,
                                     const std::string& path) {
  if (format_option) return *format_option;
  if (!path.empty() && path != "-") return output::format_from_path(path);
  return output::Format::kFlamegraph;
}

Result<void> write_profile_file(const std::string& path, output::Format format,
                                const aggregate::Profile& profile,
                                const output::WriteOptions& options) {
  return write_output(
      path, [&](std::ostream& out) { output::write_profile(format, profile, options, out); });
}

Result<void> write_output(const std::string& path,
                          const std::function<void(std::ostream&)>& writer) {
  if (path == "-") {
    writer(std::cout);
    std::cout.flush();
    if (!std::cout) return Error(ErrorKind::kBadInput, "writing to stdout failed");
    return {};
  }
  auto written = output::write_file_atomically(path, writer);
  if (!written) {
    // Whatever the cause, an output that cannot be written is exit code 6.
    const Error& e = written.error();
    return Error(ErrorKind::kBadInput, e.message(), e.sys_errno());
  }
  return {};
}

}  // namespace cspy::cli
