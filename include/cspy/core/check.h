// CSPY_CHECK(cond): an invariant that holds in release builds too; aborts with a message.
// For broken invariants only; expected failures return Result<T>.
#pragma once

namespace cspy::detail {
[[noreturn]] void check_failed(const char* cond, const char* file, int line);
}  // namespace cspy::detail

#define CSPY_CHECK(cond)                                                  \
  do {                                                                    \
    if (!(cond)) ::cspy::detail::check_failed(#cond, __FILE__, __LINE__); \
  } while (0)
