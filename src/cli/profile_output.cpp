// Format choice and atomic writing of profiles.
#include "profile_output.h"

#include <signal.h>

#include <cerrno>
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

namespace {

// SIGPIPE ignored while the profile is written, so that a reader that closed the pipe
// early (`cspy record -o - | head -1`) is an EPIPE error with a message, not a silent 141.
// The program cspy started has exec'd long before, with the default disposition.
class SigpipeIgnored {
 public:
  SigpipeIgnored() {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ignore, &old_);
  }
  ~SigpipeIgnored() { ::sigaction(SIGPIPE, &old_, nullptr); }
  SigpipeIgnored(const SigpipeIgnored&) = delete;
  SigpipeIgnored& operator=(const SigpipeIgnored&) = delete;

 private:
  struct sigaction old_ {};
};

}  // namespace

Result<void> write_output(const std::string& path,
                          const std::function<void(std::ostream&)>& writer) {
  SigpipeIgnored sigpipe;
  if (path == "-") {
    errno = 0;
    writer(std::cout);
    std::cout.flush();
    if (!std::cout) {
      const int err = errno != 0 ? errno : EIO;
      return Error(ErrorKind::kBadInput,
                   err == EPIPE ? "cannot write the profile to stdout (its reader closed the pipe "
                                  "before the end)"
                                : "cannot write the profile to stdout",
                   err);
    }
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
