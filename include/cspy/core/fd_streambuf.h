// FdStreamBuf: a std::streambuf writing to a file descriptor it does not own, which
// remembers the errno of the first failed write (ENOSPC, EPIPE, EFBIG) so that the
// message can name the cause. Use: FdStreamBuf buf(fd); std::ostream out(&buf); ...;
// out.flush(); if (!out) ... buf.error().
#pragma once

#include <streambuf>
#include <vector>

namespace cspy {

class FdStreamBuf : public std::streambuf {
 public:
  explicit FdStreamBuf(int fd);
  FdStreamBuf(const FdStreamBuf&) = delete;
  FdStreamBuf& operator=(const FdStreamBuf&) = delete;
  // The errno of the first failed write; 0 while none has failed.
  int error() const { return error_; }

 protected:
  int_type overflow(int_type ch) override;
  int sync() override;

 private:
  bool flush_buffer();

  int fd_;
  std::vector<char> buf_;
  int error_ = 0;
};

}  // namespace cspy
