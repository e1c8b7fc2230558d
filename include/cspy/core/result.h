// Result<T>: a value or an Error (errno + context), for expected OS and data failures.
// Shaped like std::expected so it can become one: `if (!r) return r.error();`, `*r`, `r->x`.
// Only the CLI turns an Error into a message and an exit code. Taking the value of an error,
// or the error of a value, is a broken invariant: CSPY_CHECK aborts, in release builds too.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "cspy/core/check.h"

namespace cspy {

// What went wrong, in categories the CLI maps to exit codes.
enum class ErrorKind {
  kGeneric,
  kNoSuchProcess,  // the PID does not exist
  kPermission,     // ptrace/perf refused
  kNotTraceable,   // kernel thread, zombie
  kTargetExited,   // the target went away while we worked
  kBadInput,       // unreadable file, malformed data
  kUsage,          // bad command line
};

class Error {
 public:
  Error(ErrorKind kind, std::string message, int err = 0)
      : kind_(kind), message_(std::move(message)), errno_(err) {}
  explicit Error(std::string message, int err = 0)
      : Error(ErrorKind::kGeneric, std::move(message), err) {}

  ErrorKind kind() const { return kind_; }
  int sys_errno() const { return errno_; }
  const std::string& message() const { return message_; }
  // The message followed by strerror(errno) when errno is set.
  std::string describe() const;

 private:
  ErrorKind kind_;
  std::string message_;
  int errno_;
};

// Builds an Error from the current errno: `return errno_error("open " + path);`
Error errno_error(const std::string& what);
Error errno_error(ErrorKind kind, const std::string& what);

template <typename T = void>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & {
    CSPY_CHECK(has_value());
    return std::get<0>(v_);
  }
  const T& value() const& {
    CSPY_CHECK(has_value());
    return std::get<0>(v_);
  }
  T&& value() && {
    CSPY_CHECK(has_value());
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const {
    CSPY_CHECK(!has_value());
    return std::get<1>(v_);
  }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error)
      : error_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)

  bool has_value() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const {
    CSPY_CHECK(!ok_);
    return error_;
  }

 private:
  Error error_{ErrorKind::kGeneric, ""};
  bool ok_ = true;
};

}  // namespace cspy
