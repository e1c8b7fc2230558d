// Out-of-line parts of core: Error, UniqueFd, clocks, CSPY_CHECK, logging.
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "cspy/core/check.h"
#include "cspy/core/clock.h"
#include "cspy/core/log.h"
#include "cspy/core/result.h"
#include "cspy/core/unique_fd.h"

namespace cspy {

std::string Error::describe() const {
  if (errno_ == 0) return message_;
  return message_ + ": " + std::strerror(errno_);
}

Error errno_error(const std::string& what) { return Error(ErrorKind::kGeneric, what, errno); }
Error errno_error(ErrorKind kind, const std::string& what) { return Error(kind, what, errno); }

void UniqueFd::reset(int fd) {
  if (fd_ >= 0 && fd_ != fd) ::close(fd_);  // reset(get()) keeps the fd, not a closed number
  fd_ = fd;
}

namespace {
std::uint64_t read_clock(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ULL +
         static_cast<std::uint64_t>(ts.tv_nsec);
}
}  // namespace

std::uint64_t monotonic_ns() { return read_clock(CLOCK_MONOTONIC); }
std::uint64_t realtime_ns() { return read_clock(CLOCK_REALTIME); }

namespace detail {
void check_failed(const char* cond, const char* file, int line) {
  (void)std::fprintf(stderr, "cspy: internal error: CHECK(%s) failed at %s:%d\n", cond, file, line);
  std::abort();
}
}  // namespace detail

namespace log {
bool debug_enabled() {
  static const bool enabled = [] {
    const char* v = std::getenv("CSPY_LOG");
    return v != nullptr && std::strcmp(v, "debug") == 0;
  }();
  return enabled;
}

void write(const char* level, const std::string& message) {
  (void)std::fprintf(stderr, "cspy: %s: %s\n", level, message.c_str());
}
}  // namespace log

}  // namespace cspy
