// Atomic output files: temporary file, fsync, rename.
#include "cspy/output/output_file.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <exception>
#include <fstream>
#include <vector>

#include "cspy/core/fd_streambuf.h"

namespace cspy::output {

namespace {

// The process umask, read without changing it (umask(2) would race with other threads).
mode_t current_umask() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "Umask:") {
      std::string value;
      status >> value;
      return static_cast<mode_t>(std::stoul(value, nullptr, 8));
    }
  }
  return 022;
}

Error file_error(const std::string& what, const std::string& path, int err) {
  return Error(ErrorKind::kBadInput, what + " " + path, err);
}

// Writes everything to fd; returns 0 or an errno value.
int write_all(int fd, const std::function<void(std::ostream&)>& write, std::string& what) {
  FdStreamBuf buf(fd);
  std::ostream out(&buf);
  write(out);
  out.flush();
  if (!out || buf.error() != 0) {
    what = "cannot write";
    return buf.error() != 0 ? buf.error() : EIO;
  }
  return 0;
}

// Writes and syncs the open temporary file; returns 0 or an errno value.
int fill(int fd, const std::function<void(std::ostream&)>& write, std::string& what) {
  if (int err = write_all(fd, write, what); err != 0) return err;
  if (::fchmod(fd, 0666 & ~current_umask()) != 0 || ::fsync(fd) != 0) {
    what = "cannot sync";
    return errno;
  }
  return 0;
}

// Writes to something that is not a regular file (/dev/null, /dev/stdout, a FIFO, a
// terminal) in place: renaming over it would replace the device with a file.
Result<void> write_in_place(const std::string& path,
                            const std::function<void(std::ostream&)>& write) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return file_error("cannot open", path, errno);
  std::string what;
  int err = write_all(fd, write, what);
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err != 0) return file_error(what.empty() ? "cannot write" : what, path, err);
  return {};
}

}  // namespace

Result<void> check_writable(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return file_error("cannot write", path, EISDIR);
    if (!S_ISREG(st.st_mode)) {
      // O_NONBLOCK: a FIFO with no reader yet must not block the start.
      int fd = ::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
      if (fd < 0 && errno != ENXIO) return file_error("cannot open", path, errno);
      if (fd >= 0) ::close(fd);
      return {};
    }
  } else if (::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
    std::vector<char> target(4096);
    const ssize_t n = ::readlink(path.c_str(), target.data(), target.size() - 1);
    const std::string to = n > 0 ? std::string(target.data(), static_cast<std::size_t>(n)) : "?";
    return Error(ErrorKind::kBadInput, "cannot write " + path + ": it is a symbolic link to " + to +
                                           ", which does not exist (remove the link, or give " +
                                           "another -o)");
  }
  // The file's directory must take a new file: create a temporary one there and remove it.
  std::string real = path;
  if (char* resolved = ::realpath(path.c_str(), nullptr); resolved != nullptr) {
    real = resolved;
    std::free(resolved);
  }
  std::string tmp = real + ".tmp.XXXXXX";
  int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    const std::string dir =
        real.find('/') == std::string::npos ? "." : real.substr(0, real.rfind('/') + 1);
    return Error(ErrorKind::kBadInput,
                 "cannot write " + path + " (no new file can be created in " + dir +
                     "; give -o a writable directory)",
                 err);
  }
  ::close(fd);
  ::unlink(tmp.c_str());
  return {};
}

Result<void> write_file_atomically(const std::string& path_given,
                                   const std::function<void(std::ostream&)>& write) {
  struct stat st {};
  if (::stat(path_given.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    if (S_ISDIR(st.st_mode)) return file_error("cannot write", path_given, EISDIR);
    return write_in_place(path_given, write);
  }
  // A symlink is followed, so that the link stays and its target gets the new content.
  std::string path = path_given;
  if (::lstat(path_given.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
    char* resolved = ::realpath(path_given.c_str(), nullptr);
    // A dangling link is not replaced by a file (check_writable says why).
    if (resolved == nullptr) return check_writable(path_given);
    path = resolved;
    std::free(resolved);
  }
  std::string tmp = path + ".tmp.XXXXXX";
  int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) return file_error("cannot create a temporary file for", path, errno);
  std::string what;
  int err = 0;
  try {
    err = fill(fd, write, what);
  } catch (const std::exception& e) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return Error(ErrorKind::kBadInput, "cannot write " + path + ": " + e.what());
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  if (::close(fd) != 0 && err == 0) {
    what = "cannot write";
    err = errno;
  }
  if (err == 0 && ::rename(tmp.c_str(), path.c_str()) != 0) {
    what = "cannot rename the temporary file to";
    err = errno;
  }
  if (err != 0) {
    ::unlink(tmp.c_str());
    return file_error(what, path, err);
  }
  // Make the rename itself durable; failing here loses nothing already written.
  std::string dir = path.find('/') == std::string::npos ? "." : path.substr(0, path.rfind('/') + 1);
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

}  // namespace cspy::output
