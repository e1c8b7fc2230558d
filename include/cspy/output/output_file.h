// Writing an output file so that a crash or a full disk never leaves half a file: the
// content goes to a temporary file next to `path`, is flushed and fsync'd, then renamed
// over `path`. Use: write_file_atomically("out.svg", [&](std::ostream& o) { write(o); }).
#pragma once

#include <functional>
#include <ostream>
#include <string>

#include "cspy/core/result.h"

namespace cspy::output {

// Writes `path` through a temporary "<path>.tmp.XXXXXX" in the same directory. On any
// error (open, write, fsync, close, rename, or an exception from `write`) the temporary
// file is removed, `path` is left as it was, and the Error names the path and errno.
// The new file gets mode 0666 & ~umask, like a file opened with fopen.
Result<void> write_file_atomically(const std::string& path,
                                   const std::function<void(std::ostream&)>& write);

// Whether write_file_atomically(path) can succeed, checked before a recording starts so
// that no data is collected for nothing: the directory exists and takes a new file (a
// temporary one is created and removed), `path` is no directory. A dangling symbolic link
// is refused (its target may be a typo; cspy neither replaces the link nor creates the
// file it names). A FIFO or device is written in place, so it is only opened for writing.
Result<void> check_writable(const std::string& path);

}  // namespace cspy::output
