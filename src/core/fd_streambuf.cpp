// FdStreamBuf: buffered writes to a descriptor, keeping the first error's errno.
#include "cspy/core/fd_streambuf.h"

#include <unistd.h>

#include <cerrno>

namespace cspy {

FdStreamBuf::FdStreamBuf(int fd) : fd_(fd), buf_(1 << 16) {
  setp(buf_.data(), buf_.data() + buf_.size());
}

FdStreamBuf::int_type FdStreamBuf::overflow(int_type ch) {
  if (!flush_buffer()) return traits_type::eof();
  if (!traits_type::eq_int_type(ch, traits_type::eof())) {
    *pptr() = traits_type::to_char_type(ch);
    pbump(1);
  }
  return traits_type::not_eof(ch);
}

int FdStreamBuf::sync() { return flush_buffer() ? 0 : -1; }

bool FdStreamBuf::flush_buffer() {
  if (error_ != 0) return false;
  const char* p = pbase();
  while (p < pptr()) {
    ssize_t n = ::write(fd_, p, static_cast<std::size_t>(pptr() - p));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error_ = n < 0 ? errno : EIO;
      return false;
    }
    p += n;
  }
  setp(buf_.data(), buf_.data() + buf_.size());
  return true;
}

}  // namespace cspy
