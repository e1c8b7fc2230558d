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
#include <streambuf>
#include <vector>

namespace cspy::output {

namespace {

// A streambuf over a file descriptor that remembers the first write error's errno.
class FdStreamBuf : public std::streambuf {
 public:
  explicit FdStreamBuf(int fd) : fd_(fd), buf_(1 << 16) {
    setp(buf_.data(), buf_.data() + buf_.size());
  }
  int error() const { return error_; }

 protected:
  int_type overflow(int_type ch) override {
    if (!flush_buffer()) return traits_type::eof();
    if (!traits_type::eq_int_type(ch, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(ch);
      pbump(1);
    }
    return traits_type::not_eof(ch);
  }
  int sync() override { return flush_buffer() ? 0 : -1; }

 private:
  bool flush_buffer() {
    const char* p = pbase();
    while (p < pptr()) {
      ssize_t n = ::write(fd_, p, static_cast<std::size_t>(pptr() - p));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        if (error_ == 0) error_ = n < 0 ? errno : EIO;
        return false;
      }
      p += n;
    }
    setp(buf_.data(), buf_.data() + buf_.size());
    return true;
  }

  int fd_;
  std::vector<char> buf_;
  int error_ = 0;
};

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
    if (resolved != nullptr) {
      path = resolved;
      std::free(resolved);
    }
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
